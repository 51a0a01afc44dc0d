import { z } from 'zod';
import { pageCursor, pageLimit } from '../paging';

/** Backup runs, newest first (StartedAt, then Id), one page at a time. */
export const backupListInput = z
  .object({
    limit: pageLimit,
    cursor: pageCursor,
  })
  .prefault({});

export type BackupListQuery = z.output<typeof backupListInput>;
