import { z } from 'zod';
import { rowVersionField } from '../keys';
import { pageCursor, pageLimit } from '../paging';

/** Backup runs, newest first (StartedAt, then Id), one page at a time. */
export const backupListInput = z
  .object({
    limit: pageLimit,
    cursor: pageCursor,
  })
  .prefault({});

export type BackupListQuery = z.output<typeof backupListInput>;

/** backups.setSchedule: either value or both, each with the RowVersion of its setting as read. */
export const backupScheduleUpdateInput = z.object({
  intervalHours: z.number().int().optional(),
  keep: z.number().int().optional(),
  intervalRowVersion: rowVersionField.optional(),
  keepRowVersion: rowVersionField.optional(),
});

export type BackupScheduleUpdate = z.output<typeof backupScheduleUpdateInput>;
