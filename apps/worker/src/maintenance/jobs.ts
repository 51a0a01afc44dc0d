import {
  backupSchedule,
  cleanupCheckpoints,
  cleanupExportHistory,
  cleanupTemporaryAssets,
  collectUnreferencedBlobs,
  expireActionLogs,
  flagStaleProjects,
  mergeSearchIndex,
  pruneAllAutosaves,
  purgeSoftDeleted,
  readMaintenanceSettings,
  runScheduledBackup,
  type MaintenanceSettings,
} from '@aura/api/worker';
import { backupDirectory, type AuraDb } from '@aura/db';
import type { Logger } from '../log';
import type { Job } from '../scheduler';

/**
 * The worker's cleanup and backup jobs. The rules live in the api package's maintenance services
 * (retention from the Configurations rows, small IMMEDIATE batches, idempotent); these jobs only
 * schedule them, read the settings at every run (so an edit through the config API takes effect on
 * the next run), log problems (rows a job skipped, files it kept), and return what was done, with
 * the longest time it held the write lock (maxLockMs), which the scheduler logs as "job done".
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const MAINTENANCE_JOB_NAMES = [
  'cleanup.temporaryAssets',
  'cleanup.actionLogs',
  'cleanup.autosaves',
  'cleanup.blobs',
  'cleanup.trash',
  'cleanup.checkpoints',
  'cleanup.exports',
  'recovery.flagStale',
  'search.merge',
  'backup',
] as const;

export type MaintenanceJobName = (typeof MAINTENANCE_JOB_NAMES)[number];

/**
 * How often each job runs. The backup job only checks every minute whether a backup is due
 * (Backup.IntervalHours since the newest BackupRuns row), so a changed interval applies at once.
 */
export const MAINTENANCE_INTERVALS: Record<MaintenanceJobName, number> = {
  'cleanup.temporaryAssets': HOUR,
  'cleanup.actionLogs': 5 * MINUTE,
  'cleanup.autosaves': HOUR,
  'cleanup.blobs': 5 * MINUTE,
  'cleanup.trash': HOUR,
  'cleanup.checkpoints': HOUR,
  'cleanup.exports': HOUR,
  'recovery.flagStale': 5 * MINUTE,
  'search.merge': HOUR,
  backup: MINUTE,
};

export interface MaintenanceJobsOptions {
  db: AuraDb;
  log: Logger;
  /** The database file the backups copy. */
  dbPath: string;
  /** Where backups go; default AURA_BACKUP_DIR (<data dir>/backups). */
  backupDir?: string;
  /** Interval overrides (tests, or a deployment that wants another cadence). */
  intervals?: Partial<Record<MaintenanceJobName, number>>;
  /** Folders inside which cleanups may delete files; default the media roots. */
  roots?: string[];
  /** The clock (tests); default the real one. */
  now?: () => Date;
}

/** Every cleanup job and the scheduled backup, each on its own interval. */
export function createMaintenanceJobs(options: MaintenanceJobsOptions): Job[] {
  const { db, log, dbPath } = options;
  const now = options.now ?? (() => new Date());
  const backupDir = options.backupDir ?? backupDirectory();
  let lastWarnings = '';

  /** The settings of this run; a fallback to a default is logged once, not on every run. */
  const settings = (): MaintenanceSettings => {
    const read = readMaintenanceSettings(db);
    const text = read.warnings.join('\n');
    if (text !== lastWarnings && read.warnings.length > 0)
      log.warn('maintenance settings fall back to defaults', { warnings: read.warnings });
    lastWarnings = text;
    return read.values;
  };

  const problems = (job: MaintenanceJobName, list: string[]) => {
    if (list.length > 0) log.warn('cleanup left something behind', { job, problems: list });
  };

  const job = (name: MaintenanceJobName, run: () => Record<string, unknown>): Job => ({
    name,
    intervalMs: options.intervals?.[name] ?? MAINTENANCE_INTERVALS[name],
    run,
  });

  return [
    job('cleanup.temporaryAssets', () => {
      const {
        problems: list,
        cutoff: _cutoff,
        ...counts
      } = cleanupTemporaryAssets(db, {
        now: now(),
        settings: settings(),
        roots: options.roots,
      });
      problems('cleanup.temporaryAssets', list);
      return counts;
    }),
    job('cleanup.actionLogs', () => {
      const { deleteCutoff: _cutoff, ...counts } = expireActionLogs(db, {
        now: now(),
        settings: settings(),
      });
      return counts;
    }),
    job('cleanup.autosaves', () => {
      const { problems: list, ...counts } = pruneAllAutosaves(db, {
        now: now(),
        settings: settings(),
      });
      problems('cleanup.autosaves', list);
      return counts;
    }),
    job('cleanup.blobs', () => ({
      ...collectUnreferencedBlobs(db, { now: now(), settings: settings() }),
    })),
    job('cleanup.trash', () => {
      const {
        problems: list,
        cutoff: _cutoff,
        ...counts
      } = purgeSoftDeleted(db, {
        now: now(),
        settings: settings(),
      });
      problems('cleanup.trash', list);
      return counts;
    }),
    job('cleanup.checkpoints', () => {
      const { problems: list, ...counts } = cleanupCheckpoints(db, {
        now: now(),
        settings: settings(),
        roots: options.roots,
      });
      problems('cleanup.checkpoints', list);
      return counts;
    }),
    job('cleanup.exports', () => {
      const {
        problems: list,
        cutoff: _cutoff,
        ...counts
      } = cleanupExportHistory(db, {
        now: now(),
        settings: settings(),
        roots: options.roots,
      });
      problems('cleanup.exports', list);
      return counts;
    }),
    job('recovery.flagStale', () => {
      const result = flagStaleProjects(db, { now: now(), settings: settings() });
      for (const project of result.projects) {
        log.warn('project flagged for recovery', {
          projectId: project.id,
          title: project.title,
          lastUpdate: project.updatedAt,
        });
      }
      return {
        stale: result.stale,
        flagged: result.flagged,
        projects: result.projects.map((p) => p.id),
        writeTransactions: result.writeTransactions,
        maxLockMs: result.maxLockMs,
        p95LockMs: result.p95LockMs,
        maxLockCpuMs: result.maxLockCpuMs,
        totalLockMs: result.totalLockMs,
      };
    }),
    // Keeps the full-text index in one segment per table, a few leaf pages per transaction.
    job('search.merge', () => ({ ...mergeSearchIndex(db) })),
    job('backup', () => {
      const values = settings();
      const schedule = backupSchedule(db, {
        now: now(),
        intervalHours: values['Backup.IntervalHours'],
      });
      if (!schedule.due) return { due: false, nextDueAt: schedule.nextDueAt };
      const run = runScheduledBackup(db, {
        dbPath,
        dir: backupDir,
        keep: values['Backup.Keep'],
        trigger: 'Scheduled',
        now: now(),
      });
      // A failure is recorded (BackupRuns, for the dashboard) and fails the job (heartbeat, logs).
      if (run.status === 'Failed')
        throw new Error(`Backup failed: ${run.errorMessage ?? 'unknown error'}`);
      return {
        due: true,
        backupRunId: run.id,
        file: run.file,
        sizeBytes: run.sizeBytes,
        pruned: run.prunedCount,
      };
    }),
  ];
}
