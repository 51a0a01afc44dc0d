import { z } from 'zod';
import { pageCursor, pageLimit } from '../paging';

/** The daily series of the last `days` days (UTC), today included. */
export const storageHistoryInput = z
  .object({ days: z.number().int().min(1).max(366).default(30) })
  .prefault({});

/** The projects whose versions weigh the most (logical bytes). */
export const storageLargestInput = z
  .object({ limit: z.number().int().min(1).max(50).default(10) })
  .prefault({});

/** Blobs no version references, the longest unreferenced first. */
export const storageAwaitingInput = z.object({ limit: pageLimit, cursor: pageCursor }).prefault({});

/** Collect now: a dry run (the default) lists what would go and removes nothing. */
export const storageCollectInput = z.object({ dryRun: z.boolean().default(true) }).prefault({});

export type StorageHistoryQuery = z.output<typeof storageHistoryInput>;
export type StorageLargestQuery = z.output<typeof storageLargestInput>;
export type StorageAwaitingQuery = z.output<typeof storageAwaitingInput>;
export type StorageCollectInput = z.output<typeof storageCollectInput>;
