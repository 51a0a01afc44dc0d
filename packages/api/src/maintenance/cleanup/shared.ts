import { nowIso, writeTransaction, type AuraDb } from '@aura/db';
import { notInArray } from 'drizzle-orm';
import type { MediaGuard } from '../../media/paths';
import { removeRowFiles, type FileCounts, type ReferenceExclusions } from '../files';
import { readMaintenanceSettings, type MaintenanceSettings } from '../settings';

/**
 * What the cleanup jobs share. Each job:
 * - reads its retention from the Configurations rows (settings.ts) unless given `settings`;
 * - works in batches sized to hold the write lock about TARGET_LOCK_MS, each in its own IMMEDIATE
 *   transaction, so API writes wait at most one short batch; the longest is in its result
 *   (maxLockMs, see meterWrites);
 * - isolates a row it cannot process (logs it in `problems`, counts it in `skipped`, goes on);
 * - is idempotent: it selects what is due now, so a second run finds nothing left to do;
 * - touches only its target rows (and, for assets and invalid checkpoints, files no other row
 *   references, inside the media roots: see files.ts), and returns counts of what it did.
 */

export const CLEANUP_BATCH_SIZE = 200;
/** What one batch's transaction aims at: API writes wait at most about this long behind it. */
export const TARGET_LOCK_MS = 20;
/** The first batch is this small: nothing is known yet about what a row costs. */
const FIRST_BATCH_SIZE = 25;
/** Problems a result keeps for the log (the count covers them all). */
const MAX_PROBLEMS = 20;
/** Rows a run gives up on (file errors) before it stops, so a broken disk cannot loop forever. */
const MAX_SKIPPED = 1_000;

export interface CleanupOptions {
  /** The clock (tests); default now. */
  now?: Date;
  /** Most rows per transaction (fewer when rows are slow, see inBatches); default 200. */
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

/** How long a job held the write lock: every IMMEDIATE transaction it ran, timed. */
export interface WriteLockStats {
  writeTransactions: number;
  /** The longest one, in ms (wall clock): what an API write waited at worst behind this job. */
  maxLockMs: number;
  p95LockMs: number;
  /**
   * The most CPU time one transaction used: its own work. On a busy machine the wall-clock figures
   * also count the time the process waited for a CPU while holding the lock.
   */
  maxLockCpuMs: number;
  totalLockMs: number;
}

/** The transactions of one job run, as meterWrites records them. */
export interface LockMeter {
  durationsMs: number[];
  maxCpuMs: number;
}

const elapsedMs = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/**
 * `db` with every top-level transaction timed into the returned meter (nested ones are savepoints
 * of the timed one). The services a job calls (purges, prunes, blob collection) take the metered
 * connection like any other, so their transactions are measured too.
 */
export function meterWrites(db: AuraDb): { db: AuraDb; stats: LockMeter } {
  const stats: LockMeter = { durationsMs: [], maxCpuMs: 0 };
  const transaction: AuraDb['transaction'] = (work, config) => {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    try {
      return db.transaction(work, config);
    } finally {
      stats.durationsMs.push(elapsedMs(started));
      const used = process.cpuUsage(cpu);
      stats.maxCpuMs = Math.max(stats.maxCpuMs, (used.user + used.system) / 1000);
    }
  };
  const metered = Object.create(db, { transaction: { value: transaction } }) as AuraDb;
  return { db: metered, stats };
}

/** The meter's figures, rounded, for a job's result (and the worker's log line). */
export function lockFigures(meter: LockMeter): WriteLockStats {
  const round = (ms: number) => Math.round(ms * 100) / 100;
  const sorted = [...meter.durationsMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return {
    writeTransactions: sorted.length,
    maxLockMs: round(sorted.at(-1) ?? 0),
    p95LockMs: round(at(0.95)),
    maxLockCpuMs: round(meter.maxCpuMs),
    totalLockMs: round(sorted.reduce((sum, ms) => sum + ms, 0)),
  };
}

/** Rows a job could not process: counted, the first few described, the rest of the job goes on. */
export interface RowProblems {
  skipped: number;
  problems: string[];
}

export function noteProblem(into: RowProblems, what: string, error: unknown): void {
  into.skipped += 1;
  if (into.problems.length < MAX_PROBLEMS)
    into.problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Runs `work` on each of `ids` in its own savepoint of the batch's transaction: a row that fails
 * (a broken stored timeline, say) is rolled back alone, added to `skip` so later batches leave it
 * out, and noted; the others go on. Stops taking rows once the batch has run TARGET_LOCK_MS (the
 * rest is still due: the next batch takes it).
 * Returns how many rows were taken (processed or skipped).
 */
export function eachIsolated(
  tx: AuraDb,
  ids: string[],
  skip: Set<string>,
  into: RowProblems,
  describe: (id: string) => string,
  work: (tx: AuraDb, id: string) => void,
): number {
  const started = process.hrtime.bigint();
  let taken = 0;
  for (const id of ids) {
    if (taken > 0 && elapsedMs(started) > TARGET_LOCK_MS) break;
    taken += 1;
    try {
      tx.transaction((savepoint) => work(savepoint as unknown as AuraDb, id));
    } catch (error) {
      skip.add(id);
      noteProblem(into, describe(id), error);
    }
  }
  return taken;
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
 * The jobs' batch loop: runs `batch` in its own IMMEDIATE transaction, with the number of rows to
 * take, until a batch selects fewer than that (nothing due is left) or `stop()` says to give up.
 * The size adapts: each batch is sized from the time per row so far to take about
 * TARGET_LOCK_MS (never more than `limit` rows, at most 1.5 times the previous size), so the write
 * lock is held briefly whatever a row costs on this database and disk. `batch` returns how many
 * rows it selected (or `size` when it stopped early and more is due); the sum is returned.
 */
export function inBatches(
  db: AuraDb,
  limit: number,
  batch: (tx: AuraDb, size: number) => number,
  stop?: () => boolean,
): number {
  let total = 0;
  let size = Math.min(limit, FIRST_BATCH_SIZE);
  let msPerRow: number | null = null;
  for (;;) {
    const started = process.hrtime.bigint();
    const selected = writeTransaction(db, (tx) => batch(tx, size));
    const ms = elapsedMs(started);
    total += selected;
    if (selected < size || stop?.()) return total;
    // A running average, so one quick batch (rows without files, say) does not make the next huge.
    const measured = ms / Math.max(1, selected);
    msPerRow = msPerRow === null ? measured : (msPerRow + measured) / 2;
    const fits = Math.floor(TARGET_LOCK_MS / Math.max(msPerRow, 0.001));
    size = Math.max(1, Math.min(limit, Math.ceil(size * 1.5), fits));
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
    (tx, size) => {
      const rows = job.select(tx, size, skip);
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
