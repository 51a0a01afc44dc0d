import { z } from 'zod';
import { cursorField, pageLimit } from '../paging';

/** Backup runs, newest first (StartedAt, then Id), one page at a time. */
export const backupListInput = z
  .object({
    limit: pageLimit,
    cursor: cursorField('backups', 2),
  })
  .prefault({});

export type BackupListQuery = z.output<typeof backupListInput>;
