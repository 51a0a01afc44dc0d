import {
  linkSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import {
  claimNextExport,
  completeExport,
  exportRealOutputDirectory,
  exportStatus,
  exportTempFile,
  exportTempFilePrefix,
  failExport,
  ffmpegArgs,
  getExportPreset,
  releaseLease,
  renewLease,
  reportProgress,
  resolveExportInputFile,
  resolveExportOutputFile,
} from '@aura/api/worker';
import type { AuraDb, ExportHistoryRow } from '@aura/db';
import { errorFields, type Logger } from '../log';
import type { Job } from '../scheduler';
import {
  FfmpegNotFoundError,
  isRunning,
  probeDuration,
  progressPercent,
  resolveFfmpeg,
  startFfmpeg,
  stopFfmpeg,
  type FfmpegRun,
} from './ffmpeg';

/**
 * The export runner: claims exports (leases, through the api's `exports/jobs` rules), runs FFmpeg
 * for each, and watches it. Per running export, every `pollMs` (200 ms) it reads the export's
 * status (a Cancelled export, or one another worker took over, stops FFmpeg at once with SIGKILL
 * — its output is thrown away, so there is nothing to flush — and removes the partial file),
 * every `progressMs` (500 ms) it records Progress when it changed, and every `renewMs` (a third
 * of the lease, at most 5 s) it renews the lease.
 *
 * FFmpeg writes `.<name>.part-<id>-<attempt><ext>` beside OutputFile; on success the file is
 * hard-linked to OutputFile (which fails if anything is there: never overwritten) inside the
 * completion transaction, then the temporary name is removed. Nothing half-written is ever at
 * OutputFile.
 */

export interface ExportJobsOptions {
  db: AuraDb;
  log: Logger;
  /** This worker's id (hostname:pid), recorded as LeaseOwner. */
  workerId: string;
  /** Exports run at once (default AURA_WORKER_EXPORT_CONCURRENCY, else 1). */
  concurrency?: number;
  /** Lease length in ms (default AURA_WORKER_EXPORT_LEASE_MS, else 30 000). */
  leaseMs?: number;
  /** Runs a job may start before it is Failed (default AURA_WORKER_EXPORT_MAX_ATTEMPTS, else 3). */
  maxAttempts?: number;
  /** stop() waits this long for running exports before giving their leases back (default AURA_WORKER_EXPORT_SHUTDOWN_MS, else 20 000). */
  shutdownTimeoutMs?: number;
  /**
   * The scheduler job's interval, and how often the runner itself looks for queued exports once
   * the job has run (default 1 000 ms): a new export starts within about this long whatever the
   * scheduler's tick, and a finished one makes room for the next at once.
   */
  intervalMs?: number;
  /** Status poll (cancel detection) interval, default 200 ms. */
  pollMs?: number;
  /** Progress write interval, default 500 ms. */
  progressMs?: number;
  /**
   * `--once`: the job's run() works through the queue and resolves when every export it started
   * has finished (instead of starting them in the background).
   */
  once?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Options placed before FFmpeg's input (tests use ['-re'] to encode at the input's pace). */
  ffmpegInputOptions?: string[];
}

export interface ExportJobs {
  /** For the Scheduler: each run claims exports up to the concurrency and starts them. */
  job: Job;
  /**
   * Graceful stop: claims no more; running exports finish, or after `shutdownTimeoutMs` their
   * FFmpeg is stopped, the partial file removed and the lease given back (another worker
   * claims the job at once). Resolves when nothing runs.
   */
  stop(): Promise<void>;
  /** Ids of the exports running now. */
  running(): string[];
  /** Resolves when no export is running (including ones started meanwhile). */
  idle(): Promise<void>;
}

type AbortReason = 'cancelled' | 'lost' | 'shutdown';

interface RunControl {
  row: ExportHistoryRow;
  abort: AbortReason | null;
  ffmpeg: FfmpegRun | null;
  /** Set once FFmpeg has exited successfully: a shutdown then lets the run finish. */
  finishing: boolean;
  onAbort: (() => void) | null;
}

function intOption(
  env: NodeJS.ProcessEnv,
  value: number | undefined,
  name: string,
  fallback: number,
): number {
  if (value !== undefined) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a whole number ≥ 1`);
    return value;
  }
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`${name}=${raw} is not valid: expected a whole number ≥ 1`);
  }
  return parsed;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

class AbortedError extends Error {}

/** Whether a path relative to a folder leads out of it. */
const isOutside = (relative: string) =>
  relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);

/** Removes a file if it exists (never throws: cleanup of a temporary file). */
function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Nothing more to do; export history cleanup removes leftovers later.
  }
}

/**
 * Puts `temp` at `target` without ever overwriting: a hard link fails with EEXIST if anything
 * is at the target. Where hard links are not supported, a checked rename (the target was just
 * found free inside the completion transaction).
 */
function publishFile(temp: string, target: string): void {
  try {
    linkSync(temp, target);
    rmSync(temp, { force: true });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new Error(`OutputFile ${target} appeared meanwhile; it was not overwritten`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK')
      throw error;
  }
  let exists = true;
  try {
    statSync(target);
  } catch {
    exists = false;
  }
  if (exists) throw new Error(`OutputFile ${target} appeared meanwhile; it was not overwritten`);
  renameSync(temp, target);
}

export function createExportJobs(options: ExportJobsOptions): ExportJobs {
  const { db, log, workerId } = options;
  const env = options.env ?? process.env;
  const concurrency = intOption(env, options.concurrency, 'AURA_WORKER_EXPORT_CONCURRENCY', 1);
  const leaseMs = intOption(env, options.leaseMs, 'AURA_WORKER_EXPORT_LEASE_MS', 30_000);
  const maxAttempts = intOption(env, options.maxAttempts, 'AURA_WORKER_EXPORT_MAX_ATTEMPTS', 3);
  const shutdownTimeoutMs = intOption(
    env,
    options.shutdownTimeoutMs,
    'AURA_WORKER_EXPORT_SHUTDOWN_MS',
    20_000,
  );
  const pollMs = options.pollMs ?? 200;
  const intervalMs = options.intervalMs ?? 1_000;
  const progressMs = options.progressMs ?? 500;
  const renewMs = Math.max(100, Math.min(5_000, Math.floor(leaseMs / 3)));

  const runs = new Map<string, { control: RunControl; done: Promise<void> }>();
  let stopping = false;
  let queueTimer: NodeJS.Timeout | null = null;
  let completed = 0;
  let failed = 0;

  /** Watches one export while it runs: cancel/ownership poll, progress, lease renewal. */
  function monitor(control: RunControl, currentProgress: () => number) {
    const id = control.row.id;
    let lastRenew = Date.now();
    let lastProgressAt = 0;
    let lastProgress = -1;
    const abort = (reason: AbortReason) => {
      if (control.abort) return;
      control.abort = reason;
      control.onAbort?.();
    };
    /** A refused write: cancelled meanwhile, or taken over. */
    const refused = () =>
      abort(exportStatus(db, id)?.status === 'InProgress' ? 'lost' : 'cancelled');
    const tick = () => {
      if (control.abort) return;
      try {
        const state = exportStatus(db, id);
        if (state?.status !== 'InProgress') return abort('cancelled');
        if (state.leaseOwner !== workerId) return abort('lost');
        const now = Date.now();
        if (now - lastRenew >= renewMs) {
          if (!renewLease(db, id, workerId, leaseMs)) return refused();
          lastRenew = now;
        }
        const progress = currentProgress();
        if (progress !== lastProgress && now - lastProgressAt >= progressMs) {
          if (!reportProgress(db, id, workerId, progress)) return refused();
          lastProgress = progress;
          lastProgressAt = now;
        }
      } catch (error) {
        // A busy or failing database: keep the export running, try again at the next tick.
        log.warn('export heartbeat failed', { exportId: id, ...errorFields(error) });
      }
    };
    const timer = setInterval(tick, pollMs);
    return { stop: () => clearInterval(timer), abort };
  }

  async function runExport(row: ExportHistoryRow, control: RunControl): Promise<void> {
    const id = row.id;
    const started = Date.now();
    let temp: string | null = null;
    let expectedSeconds: number | null = null;
    const watch = monitor(control, () =>
      control.ffmpeg ? progressPercent(control.ffmpeg.progress.outTimeSeconds, expectedSeconds) : 0,
    );
    control.onAbort = () => {
      const ffmpeg = control.ffmpeg;
      if (ffmpeg && isRunning(ffmpeg.child) && !control.finishing) void stopFfmpeg(ffmpeg);
    };
    const checkAbort = () => {
      if (control.abort && !control.finishing) throw new AbortedError(control.abort);
    };
    log.info('export started', {
      exportId: id,
      preset: row.presetName,
      attempt: row.attempts,
      outputFile: row.outputFile,
    });
    try {
      const preset = getExportPreset(row.presetName);
      if (!preset) throw new Error(`Preset ${row.presetName} no longer exists`);
      const tools = resolveFfmpeg(db);
      if (tools.skipped.length) {
        log.warn('export uses a fallback FFmpeg', {
          exportId: id,
          ffmpeg: tools.ffmpeg,
          skipped: tools.skipped,
        });
      }

      // The paths again, as they are now: the input still under the media roots, the output
      // still inside the output directory and still free.
      const input = resolveExportInputFile(db, row.inputFile, { env });
      const outDirReal = exportRealOutputDirectory(db, env);
      const relative = path.relative(outDirReal, row.outputFile);
      if (!relative || isOutside(relative)) {
        throw new Error(
          `OutputFile ${row.outputFile} is no longer inside the output directory ${outDirReal} (it was changed); enqueue the export again`,
        );
      }
      const output = resolveExportOutputFile(
        outDirReal,
        relative.split(path.sep).join('/'),
        preset,
      );
      if (output.path !== row.outputFile) {
        throw new Error(
          `OutputFile ${row.outputFile} now leads to ${output.path} (a folder was replaced); enqueue the export again`,
        );
      }
      const folder = path.dirname(output.path);
      mkdirSync(folder, { recursive: true });
      const folderReal = realpathSync(folder);
      if (folderReal !== outDirReal && isOutside(path.relative(outDirReal, folderReal))) {
        throw new Error(
          `The folder of OutputFile ${row.outputFile} leads outside the output directory`,
        );
      }

      // Leftovers of earlier runs of this export (a worker that died) go first.
      const prefix = exportTempFilePrefix(row.outputFile, id);
      for (const name of readdirSync(folder)) {
        if (name.startsWith(prefix)) removeQuietly(path.join(folder, name));
      }
      temp = exportTempFile(row.outputFile, id, row.attempts);
      checkAbort();

      const inputSeconds = await probeDuration(tools, input);
      expectedSeconds =
        preset.maxDurationSeconds !== null && inputSeconds !== null
          ? Math.min(inputSeconds, preset.maxDurationSeconds)
          : inputSeconds;
      checkAbort();

      const args = [...(options.ffmpegInputOptions ?? []), ...ffmpegArgs(preset, input, temp)];
      const ffmpeg = startFfmpeg(tools.ffmpeg, args);
      control.ffmpeg = ffmpeg;
      if (control.abort) control.onAbort();
      const exit = await ffmpeg.exited;
      checkAbort();
      if (exit.error) throw new Error(`FFmpeg could not be started: ${exit.error.message}`);
      if (exit.code !== 0) {
        const how = exit.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit.code}`;
        failed += 1;
        const result = failExport(db, id, workerId, `FFmpeg ${how}`, ffmpeg.stderr.toString());
        log.error('export failed', {
          exportId: id,
          error: `FFmpeg ${how}`,
          recorded: result !== null,
        });
        return;
      }
      control.finishing = true;

      const fileSize = statSync(temp).size;
      if (fileSize === 0) throw new Error('FFmpeg finished but wrote an empty file');
      const durationSeconds = await probeDuration(tools, temp);
      // An object: the flag is set inside the callback, after the compiler last looked.
      const publication = { done: false };
      const finished = temp;
      let completedRow: ExportHistoryRow | null;
      try {
        completedRow = completeExport(db, id, workerId, { fileSize, durationSeconds }, () => {
          publishFile(finished, output.path);
          publication.done = true;
        });
      } catch (error) {
        // The file was put in place but the database refused the completion: take it back.
        if (publication.done) removeQuietly(output.path);
        throw error;
      }
      if (!completedRow) {
        const state = exportStatus(db, id);
        log.info('export finished but is no longer ours; output discarded', {
          exportId: id,
          status: state?.status,
          leaseOwner: state?.leaseOwner,
        });
        return;
      }
      completed += 1;
      log.info('export completed', {
        exportId: id,
        ms: Date.now() - started,
        fileSize,
        durationSeconds,
        outputFile: output.path,
      });
    } catch (error) {
      if (error instanceof AbortedError) {
        const reason = control.abort;
        if (reason === 'shutdown') {
          const released = releaseLease(db, id, workerId);
          log.info('export lease given back at shutdown', { exportId: id, released });
        } else if (reason === 'cancelled') {
          log.info('export cancelled', { exportId: id, ms: Date.now() - started });
        } else {
          log.warn('export lease lost to another worker; stopped', { exportId: id });
        }
        return;
      }
      failed += 1;
      const reason = messageOf(error);
      const tail = control.ffmpeg?.stderr.toString();
      let recorded: ExportHistoryRow | null = null;
      try {
        recorded = failExport(db, id, workerId, reason, tail);
      } catch (dbError) {
        log.error('export failure could not be recorded', {
          exportId: id,
          ...errorFields(dbError),
        });
      }
      log.error('export failed', {
        exportId: id,
        error: reason,
        missingFfmpeg: error instanceof FfmpegNotFoundError || undefined,
        recorded: recorded !== null,
      });
    } finally {
      watch.stop();
      if (control.ffmpeg && isRunning(control.ffmpeg.child)) await stopFfmpeg(control.ffmpeg);
      if (temp) removeQuietly(temp);
    }
  }

  /** Claims exports while there are free slots; each finished run claims again. */
  function fill(): { claimed: number; gaveUp: number } {
    let claimed = 0;
    let gaveUp = 0;
    while (!stopping && runs.size < concurrency) {
      const result = claimNextExport(db, workerId, { leaseMs, maxAttempts });
      for (const row of result.gaveUp) {
        gaveUp += 1;
        log.warn('export gave up', { exportId: row.id, error: row.errorMessage });
      }
      const row = result.claimed;
      if (!row) break;
      claimed += 1;
      const control: RunControl = {
        row,
        abort: null,
        ffmpeg: null,
        finishing: false,
        onAbort: null,
      };
      const done = runExport(row, control)
        .catch((error: unknown) =>
          log.error('export run crashed', { exportId: row.id, ...errorFields(error) }),
        )
        .finally(() => {
          runs.delete(row.id);
          if (!stopping) {
            try {
              fill();
            } catch (error) {
              log.error('export claim failed', errorFields(error));
            }
          }
        });
      runs.set(row.id, { control, done });
    }
    return { claimed, gaveUp };
  }

  async function idle(): Promise<void> {
    while (runs.size) await Promise.allSettled([...runs.values()].map((run) => run.done));
  }

  const job: Job = {
    name: 'exports',
    intervalMs,
    run: async () => {
      if (stopping) return { stopping: true };
      const before = { completed, failed };
      const { claimed, gaveUp } = fill();
      if (options.once) await idle();
      else if (!queueTimer) {
        // Between the scheduler's ticks, look for queued exports on our own (unref'd: it never
        // keeps the process alive; stop() clears it).
        queueTimer = setInterval(() => {
          if (stopping || runs.size >= concurrency) return;
          try {
            fill();
          } catch (error) {
            log.error('export claim failed', errorFields(error));
          }
        }, intervalMs);
        queueTimer.unref();
      }
      return {
        claimed,
        gaveUp,
        running: runs.size,
        ...(options.once
          ? { completed: completed - before.completed, failed: failed - before.failed }
          : {}),
      };
    },
  };

  return {
    job,
    running: () => [...runs.keys()],
    idle,
    async stop() {
      stopping = true;
      if (queueTimer) clearInterval(queueTimer);
      if (runs.size === 0) return;
      log.info('exports stopping', { running: [...runs.keys()], waitMs: shutdownTimeoutMs });
      const finished = await Promise.race([
        idle().then(() => true),
        sleep(shutdownTimeoutMs).then(() => false),
      ]);
      if (!finished) {
        for (const { control } of runs.values()) {
          if (!control.abort) {
            control.abort = 'shutdown';
            control.onAbort?.();
          }
        }
        await idle();
      }
    },
  };
}
