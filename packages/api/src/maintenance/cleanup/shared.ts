import { nowIso, writeTransaction, type AuraDb } from '@aura/db';
import { notInArray } from 'drizzle-orm';
import type { MediaGuard } from '../../media/paths';
import { removeRowFiles, type FileCounts, type ReferenceExclusions } from '../files';
import { readMaintenanceSettings, type MaintenanceSettings } from '../settings';

/**
 * What the cleanup jobs share. Each job:
 * - reads its retention from the Configurations rows (settings.ts) unless given `settings`;
 * - works in small batches, each in its own IMMEDIATE transaction, so API writes wait at most one
 *   batch;
 * - is idempotent: it selects what is due now, so a second run finds nothing left to do;
 * - touches only its target rows (and, for assets and invalid checkpoints, files no other row
 *   references, inside the media roots: see files.ts), and returns counts of what it did.
 */

export const CLEANUP_BATCH_SIZE = 200;
/** Rows a run gives up on (file errors) before it stops, so a broken disk cannot loop forever. */
const MAX_SKIPPED = 1_000;

export interface CleanupOptions {
  /** The clock (tests); default now. */
  now?: Date;
  /** Rows per transaction; default 200. */
  batchSize?: number;
  /** Retention values; default read from the Configurations rows. */
  settings?: MaintenanceSettings;
}

export interface FileCleanupOptions extends CleanupOptions {
  /**
   * Folders inside which files may be deleted; default the media roots. Either way the path guard
   * drops a folder that holds the service's files and refuses those files.
   */
  roots?: string[];
}

export function settingsOf(db: AuraDb, options: CleanupOptions): MaintenanceSettings {
  return options.settings ?? readMaintenanceSettings(db).values;
}

export function cutoffIso(now: Date, ageMs: number): string {
  return nowIso(new Date(now.getTime() - ageMs));
}

export function batchSizeOf(options: CleanupOptions, fallback = CLEANUP_BATCH_SIZE): number {
  const size = options.batchSize ?? fallback;
  if (!Number.isInteger(size) || size < 1) throw new RangeError('batchSize must be ≥ 1');
  return size;
}

/** "Not one of `ids`", or no condition when there are none. */
export const excluding = (column: Parameters<typeof notInArray>[0], ids: Set<string>) =>
  ids.size > 0 ? notInArray(column, [...ids]) : undefined;

/**
 * The jobs' batch loop: runs `batch` in its own IMMEDIATE transaction until a batch selects fewer
 * than `limit` rows (nothing due is left) or `stop()` says to give up. `batch` returns how many
 * rows it selected; the sum over all batches is returned.
 */
export function inBatches(
  db: AuraDb,
  limit: number,
  batch: (tx: AuraDb) => number,
  stop?: () => boolean,
): number {
  let total = 0;
  for (;;) {
    const selected = writeTransaction(db, batch);
    total += selected;
    if (selected < limit || stop?.()) return total;
  }
}

/** A job that deletes rows together with the file each one names. */
export interface RowsWithFiles<Row extends { id: string }> {
  /** The next batch of due rows, leaving out `skip` (rows whose file could not be removed). */
  select(tx: AuraDb, limit: number, skip: Set<string>): Row[];
  pathOf(row: Row): string | null;
  /** The rows about to go, left out of the check whether another row references a file. */
  exclude(ids: string[]): ReferenceExclusions;
  /** Deletes these rows (re-checking they are still due); returns how many went. */
  deleteRows(tx: AuraDb, ids: string[]): number;
}

/**
 * Deletes due rows and their files, batch by batch (see removeRowFiles for which files go). A row
 * whose file the file system refuses to delete is kept, so the next run retries, and skipped for
 * the rest of this run; after MAX_SKIPPED such rows the run stops. Returns how many rows went.
 */
export function deleteRowsWithFiles<Row extends { id: string }>(
  db: AuraDb,
  limit: number,
  guard: MediaGuard,
  job: RowsWithFiles<Row>,
  counts: FileCounts,
  problems: string[],
): number {
  const skip = new Set<string>();
  let deleted = 0;
  inBatches(
    db,
    limit,
    (tx) => {
      const rows = job.select(tx, limit, skip);
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      const failed = removeRowFiles(
        tx,
        rows.map((r) => ({ id: r.id, path: job.pathOf(r) })),
        guard,
        job.exclude(ids),
        counts,
        problems,
      );
      for (const id of failed) skip.add(id);
      const doomed = ids.filter((id) => !failed.has(id));
      if (doomed.length > 0) deleted += job.deleteRows(tx, doomed);
      return rows.length;
    },
    () => skip.size >= MAX_SKIPPED,
  );
  return deleted;
}
