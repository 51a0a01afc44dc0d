import path from 'node:path';
import {
  exportHistory,
  findAnyById,
  InvalidInputError,
  nowIso,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type ExportHistoryRow,
  type ExportStatus,
} from '@aura/db';
import { and, asc, eq, isNull, lte } from 'drizzle-orm';
import { exportTransitionFields, transitionExport } from './service';

/**
 * The domain rules of RUNNING exports: how a worker claims a job (a lease with an expiry that
 * its heartbeat renews), reports on it, and finishes it. The worker app calls only these; every
 * status change goes through `transitionExport` (the status machine), every other write through
 * `versionedUpdate`, each in one IMMEDIATE transaction so that workers (and the web server)
 * sharing the database file are serialised.
 *
 * Ownership: a running export belongs to the worker named in LeaseOwner. Every call below that
 * writes checks, inside its transaction, that the export is still InProgress and still owned by
 * the caller; when it is not (cancelled, or the lease expired and another worker took it over)
 * the call changes nothing and says so (false / null), and the worker stops its FFmpeg.
 *
 * Retries: Attempts counts the runs started. A run that dies (its worker crashed or hung) leaves
 * a lease that expires; the next claim takes the job over (still InProgress, new owner,
 * Attempts + 1). A job found expired after `maxAttempts` runs is Failed with the reason. An
 * FFmpeg failure is not retried (the worker fails the job at once: the same input would fail
 * again), nor is a cancel.
 *
 * Graceful release: InProgress cannot go back to Queued in the status machine, so a worker that
 * shuts down before its export finishes keeps the job InProgress and gives the lease back:
 * LeaseOwner = NULL, LeaseExpiresAt = now (claimable at once by any worker), Progress 0, and
 * Attempts − 1 (a run given back was not a failure and does not count towards giving up).
 */

/** ModifiedBy of the rows the worker writes. */
export const EXPORT_WORKER_ACTOR: Actor = 'worker';
/** ErrorMessage is bounded to this many characters (reason first, then FFmpeg's last lines). */
export const EXPORT_ERROR_MAX_CHARS = 4000;
/** At most this many exhausted jobs are failed in one claim transaction (keeps it short). */
const MAX_GIVE_UPS_PER_CLAIM = 50;

export interface ClaimExportOptions {
  /** How long the lease lasts without a renewal (ms). */
  leaseMs: number;
  /** Runs a job may start; a job found abandoned after this many is Failed. */
  maxAttempts: number;
  /** The claim's clock (tests); default: now. */
  now?: Date;
  actor?: Actor;
}

export interface ClaimExportResult {
  /** The job this worker now runs (InProgress, leased to it), or null when there is none. */
  claimed: ExportHistoryRow | null;
  /** Abandoned jobs that had used up their attempts: now Failed, with the reason. */
  gaveUp: ExportHistoryRow[];
}

/** A bad argument from the worker (a bug in the caller, reported as BAD_REQUEST). */
function badRequest(message: string): never {
  throw new InvalidInputError(null, message);
}

function assertLeaseMs(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs < 1) badRequest('leaseMs must be a whole number ≥ 1');
}

const plusMs = (date: Date, ms: number) => nowIso(new Date(date.getTime() + ms));

/**
 * The next export whose lease is free: an InProgress one with no lease or an expired one (its
 * worker died), oldest lease first; `IX_ExportHistory_Status_LeaseExpiresAt` serves both.
 * Exposed for the EXPLAIN QUERY PLAN tests.
 */
export function buildAbandonedExportQuery(db: AuraDb, now: string) {
  return [
    db
      .select()
      .from(exportHistory)
      .where(and(eq(exportHistory.status, 'InProgress'), isNull(exportHistory.leaseExpiresAt)))
      .limit(1),
    db
      .select()
      .from(exportHistory)
      .where(and(eq(exportHistory.status, 'InProgress'), lte(exportHistory.leaseExpiresAt, now)))
      .orderBy(asc(exportHistory.leaseExpiresAt))
      .limit(1),
  ] as const;
}

/** The oldest Queued export (`IX_ExportHistory_Status_CreatedAt_Id`). For EXPLAIN tests too. */
export function buildNextQueuedExportQuery(db: AuraDb) {
  return db
    .select()
    .from(exportHistory)
    .where(eq(exportHistory.status, 'Queued'))
    .orderBy(asc(exportHistory.createdAt), asc(exportHistory.id))
    .limit(1);
}

function nextClaimable(db: AuraDb, now: string): ExportHistoryRow | undefined {
  const [noLease, expired] = buildAbandonedExportQuery(db, now);
  return noLease.get() ?? expired.get() ?? buildNextQueuedExportQuery(db).get();
}

/** Why the last run of an abandoned job stopped. */
function abandonedReason(row: ExportHistoryRow): string {
  if (!row.leaseOwner) return 'its last run was given back or never had a worker';
  return `the worker ${row.leaseOwner} stopped without finishing it (its lease expired at ${row.leaseExpiresAt ?? 'an unknown time'})`;
}

/**
 * Claims the next export for `workerId`, in ONE IMMEDIATE transaction (two workers calling at
 * once are serialised by SQLite's write lock: the second sees the first's claim and takes
 * another job or none). Abandoned running jobs (no lease, or an expired one) come first, then
 * the oldest Queued one. A candidate that already used `maxAttempts` runs is Failed ("Gave up
 * after N attempts: …") and the next one is tried. The claimed job is InProgress (a Queued one
 * moves there through the status machine, which sets StartedAt; an abandoned one stays InProgress
 * and keeps its first StartedAt), leased to the worker until now + leaseMs, Attempts + 1,
 * Progress 0.
 */
export function claimNextExport(
  db: AuraDb,
  workerId: string,
  options: ClaimExportOptions,
): ClaimExportResult {
  assertLeaseMs(options.leaseMs);
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
    badRequest('maxAttempts must be a whole number ≥ 1');
  }
  if (!workerId) badRequest('workerId is required');
  const actor = options.actor ?? EXPORT_WORKER_ACTOR;
  return writeTransaction(db, (tx) => {
    const now = options.now ?? new Date();
    const nowText = nowIso(now);
    const gaveUp: ExportHistoryRow[] = [];
    for (;;) {
      const row = nextClaimable(tx, nowText);
      if (!row) return { claimed: null, gaveUp };
      if (row.attempts >= options.maxAttempts && gaveUp.length < MAX_GIVE_UPS_PER_CLAIM) {
        const message = `Gave up after ${row.attempts} attempt${row.attempts === 1 ? '' : 's'}: ${abandonedReason(row)}`;
        // Queued rows have no attempts, but keep to the status machine whatever the data.
        if (row.status === 'Queued') transitionExport(tx, row.id, 'InProgress', {}, actor);
        gaveUp.push(
          transitionExport(tx, row.id, 'Failed', { errorMessage: message.slice(0, 4000) }, actor),
        );
        continue;
      }
      if (row.attempts >= options.maxAttempts) return { claimed: null, gaveUp };
      const current =
        row.status === 'Queued' ? transitionExport(tx, row.id, 'InProgress', {}, actor) : row;
      const claimed = versionedUpdate(
        tx,
        exportHistory,
        { id: current.id, rowVersion: current.rowVersion },
        {
          leaseOwner: workerId,
          leaseExpiresAt: plusMs(now, options.leaseMs),
          attempts: row.attempts + 1,
          progress: 0,
          startedAt: current.startedAt ?? nowText,
        },
        actor,
      );
      return { claimed, gaveUp };
    }
  });
}

/** The row if it is InProgress and leased to `workerId`, else undefined. */
function owned(tx: AuraDb, id: string, workerId: string): ExportHistoryRow | undefined {
  const row = findAnyById(tx, exportHistory, id);
  return row?.status === 'InProgress' && row.leaseOwner === workerId ? row : undefined;
}

/**
 * The heartbeat: extends the lease to now + leaseMs. False (nothing changed) when the export is
 * no longer InProgress (cancelled) or no longer this worker's.
 */
export function renewLease(
  db: AuraDb,
  id: string,
  workerId: string,
  leaseMs: number,
  options: { now?: Date; actor?: Actor } = {},
): boolean {
  assertLeaseMs(leaseMs);
  return writeTransaction(db, (tx) => {
    const row = owned(tx, id, workerId);
    if (!row) return false;
    versionedUpdate(
      tx,
      exportHistory,
      { id, rowVersion: row.rowVersion },
      { leaseExpiresAt: plusMs(options.now ?? new Date(), leaseMs) },
      options.actor ?? EXPORT_WORKER_ACTOR,
    );
    return true;
  });
}

/**
 * Progress (0..100) of the owner's running export; BAD_REQUEST for another value. False
 * (nothing changed) when the export is not InProgress or not this worker's.
 */
export function reportProgress(
  db: AuraDb,
  id: string,
  workerId: string,
  progress: number,
  actor: Actor = EXPORT_WORKER_ACTOR,
): boolean {
  const parsed = exportTransitionFields.safeParse({ progress });
  if (!parsed.success || parsed.data.progress === undefined || !Number.isFinite(progress)) {
    badRequest('progress must be a number from 0 to 100');
  }
  return writeTransaction(db, (tx) => {
    const row = owned(tx, id, workerId);
    if (!row) return false;
    if (row.progress !== progress) {
      versionedUpdate(tx, exportHistory, { id, rowVersion: row.rowVersion }, { progress }, actor);
    }
    return true;
  });
}

export interface ExportResult {
  /** Bytes of the output file. */
  fileSize: number;
  /** The output's duration (seconds), as probed. */
  durationSeconds: number | null;
}

/**
 * Completes the owner's running export: Completed, Progress 100, CompletedAt, FileSize and
 * DurationSeconds. `publish` (the worker's rename of its temporary file to OutputFile) runs
 * inside the transaction after the ownership check, so a cancel cannot slip in between the
 * check and the file appearing; if it throws, nothing is recorded. Null (nothing done, publish
 * not called) when the export is no longer this worker's or no longer InProgress.
 */
export function completeExport(
  db: AuraDb,
  id: string,
  workerId: string,
  result: ExportResult,
  publish?: (row: ExportHistoryRow) => void,
  actor: Actor = EXPORT_WORKER_ACTOR,
): ExportHistoryRow | null {
  return writeTransaction(db, (tx) => {
    const row = owned(tx, id, workerId);
    if (!row) return null;
    publish?.(row);
    return transitionExport(
      tx,
      id,
      'Completed',
      { fileSize: result.fileSize, durationSeconds: result.durationSeconds },
      actor,
    );
  });
}

/** Keeps the last `max` characters of `text`, cut at a line start when one is near. */
function tail(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(text.length - max);
  const newline = cut.indexOf('\n');
  return newline >= 0 && newline < 200 ? cut.slice(newline + 1) : cut;
}

/**
 * An ErrorMessage: the reason, then the tail of FFmpeg's output (its last lines, where FFmpeg
 * says what went wrong), at most EXPORT_ERROR_MAX_CHARS in all.
 */
export function exportFailureMessage(reason: string, output?: string | null): string {
  const head = reason.trim() || 'Export failed';
  const boundedHead = head.length > 1000 ? `${head.slice(0, 999)}…` : head;
  const lines = (output ?? '').replace(/\r\n?/g, '\n').trim();
  if (!lines) return boundedHead;
  const label = '\nFFmpeg output (last lines):\n';
  const room = EXPORT_ERROR_MAX_CHARS - boundedHead.length - label.length;
  return `${boundedHead}${label}${tail(lines, room)}`;
}

/**
 * Fails the owner's running export with `exportFailureMessage(reason, ffmpegOutput)`. Null
 * (nothing done) when it is no longer this worker's or no longer InProgress (e.g. cancelled).
 */
export function failExport(
  db: AuraDb,
  id: string,
  workerId: string,
  reason: string,
  ffmpegOutput?: string | null,
  actor: Actor = EXPORT_WORKER_ACTOR,
): ExportHistoryRow | null {
  const errorMessage = exportFailureMessage(reason, ffmpegOutput);
  return writeTransaction(db, (tx) => {
    if (!owned(tx, id, workerId)) return null;
    return transitionExport(tx, id, 'Failed', { errorMessage }, actor);
  });
}

/**
 * Gives the lease back (graceful shutdown before the export finished): the job stays
 * InProgress (the status machine has no way back to Queued) with no owner and
 * LeaseExpiresAt = now, so any worker claims it at its next claim; Progress 0; Attempts − 1
 * (a run given back is not a failed attempt). False when it was not this worker's.
 */
export function releaseLease(
  db: AuraDb,
  id: string,
  workerId: string,
  options: { now?: Date; actor?: Actor } = {},
): boolean {
  return writeTransaction(db, (tx) => {
    const row = owned(tx, id, workerId);
    if (!row) return false;
    versionedUpdate(
      tx,
      exportHistory,
      { id, rowVersion: row.rowVersion },
      {
        leaseOwner: null,
        leaseExpiresAt: nowIso(options.now ?? new Date()),
        attempts: Math.max(0, row.attempts - 1),
        progress: 0,
      },
      options.actor ?? EXPORT_WORKER_ACTOR,
    );
    return true;
  });
}

export interface ExportRunState {
  status: ExportStatus;
  leaseOwner: string | null;
}

/** Status and owner of an export (one primary-key read: the worker polls it for cancels). */
export function exportStatus(db: AuraDb, id: string): ExportRunState | null {
  return (
    db
      .select({ status: exportHistory.status, leaseOwner: exportHistory.leaseOwner })
      .from(exportHistory)
      .where(eq(exportHistory.id, id))
      .get() ?? null
  );
}

/* ----- temporary files ----- */

const NAME_MAX_BYTES = 255;

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, whole characters only. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

/**
 * Every temporary file of export `id` starts with this name, in OutputFile's folder:
 * `.<name>.part-<id>-` (the name shortened so the whole file name fits in 255 bytes).
 * Cleanup of leftovers matches on it.
 */
export function exportTempFilePrefix(outputFile: string, id: string): string {
  const extension = path.extname(outputFile);
  const base = path.basename(outputFile, extension);
  const suffix = `.part-${id}-`;
  // Room for the dot, the suffix, an attempt number and the extension.
  const room = NAME_MAX_BYTES - 1 - Buffer.byteLength(suffix) - 10 - Buffer.byteLength(extension);
  return `.${truncateUtf8(base, Math.max(1, room))}${suffix}`;
}

/**
 * The temporary file run `attempt` of export `id` writes before the rename to OutputFile:
 * `.<name>.part-<id>-<attempt><ext>`, hidden, in the same folder (so the rename is atomic),
 * with the real extension last (FFmpeg picks the container from it). Distinct per attempt, so a
 * worker that lost its lease never touches the file of the run that took over.
 */
export function exportTempFile(outputFile: string, id: string, attempt: number): string {
  return path.join(
    path.dirname(outputFile),
    `${exportTempFilePrefix(outputFile, id)}${attempt}${path.extname(outputFile)}`,
  );
}
