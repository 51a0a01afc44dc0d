import {
  SYSTEM_ACTOR,
  backupDatabase,
  backupDirectory,
  backupRuns,
  databasePath,
  erasureLog,
  insertAudited,
  nowIso,
  type Actor,
  type AuraDb,
} from '@aura/db';
import { desc, sql } from 'drizzle-orm';
import { keyset, type Page } from '../paging';
import type { BackupListQuery } from './schema';
import { HOUR_MS, readMaintenanceSettings } from './settings';

/**
 * Scheduled and manual online backups: the db package's backupDatabase (VACUUM INTO a temporary
 * file, integrity check, rename, rotation to the newest `keep`), each run recorded as a BackupRuns
 * row (Succeeded with the file, its size and how many old backups rotation removed, or Failed with
 * the reason) that the dashboard lists.
 */

export type BackupRun = typeof backupRuns.$inferSelect;
export type BackupTrigger = BackupRun['trigger'];

export interface ScheduledBackupOptions {
  /** The database file; default the file this connection has open, else AURA_DB_PATH. */
  dbPath?: string;
  /** The backup directory; default AURA_BACKUP_DIR (<data dir>/backups). */
  dir?: string;
  /** Backups kept; default Backup.Keep from the Configurations rows. */
  keep?: number;
  /** Default Scheduled. */
  trigger?: BackupTrigger;
  /** Who asked (a manual run's admin); default "system". */
  actor?: Actor;
  /** The clock (StartedAt, CompletedAt and the file name); default now. */
  now?: Date;
}

const ERROR_MAX_CHARS = 2_000;

/** The file the connection has open, when it is a file. */
function connectedFile(db: AuraDb): string | null {
  const name = (db.$client as { name?: string }).name;
  return name && name !== ':memory:' && name !== '' ? name : null;
}

/**
 * Takes an online backup and records it. Never throws for a failed backup: the BackupRuns row
 * (status Failed, ErrorMessage) is the outcome, returned like a successful one.
 */
export function runScheduledBackup(db: AuraDb, options: ScheduledBackupOptions = {}): BackupRun {
  const clock = options.now ?? new Date();
  const startedAt = nowIso(clock);
  const began = Date.now();
  const trigger = options.trigger ?? 'Scheduled';
  const keep = options.keep ?? readMaintenanceSettings(db).values['Backup.Keep'];
  let outcome: Pick<BackupRun, 'status' | 'file' | 'sizeBytes' | 'prunedCount' | 'errorMessage'>;
  try {
    const backup = backupDatabase({
      dbPath: options.dbPath ?? connectedFile(db) ?? databasePath(),
      dir: options.dir ?? backupDirectory(),
      keep,
      now: clock,
    });
    outcome = {
      status: 'Succeeded',
      file: backup.file,
      sizeBytes: backup.sizeBytes,
      prunedCount: backup.pruned.length,
      errorMessage: null,
    };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    outcome = {
      status: 'Failed',
      file: null,
      sizeBytes: null,
      prunedCount: 0,
      errorMessage: text.slice(0, ERROR_MAX_CHARS),
    };
  }
  return insertAudited(
    db,
    backupRuns,
    {
      trigger,
      startedAt,
      completedAt: nowIso(new Date(clock.getTime() + (Date.now() - began))),
      ...outcome,
    },
    options.actor ?? SYSTEM_ACTOR,
  );
}

/** The newest recorded run (any trigger, any status), or undefined. */
export function latestBackupRun(db: AuraDb): BackupRun | undefined {
  return db.select().from(backupRuns).orderBy(desc(backupRuns.startedAt)).limit(1).get();
}

export interface BackupSchedule {
  intervalHours: number;
  due: boolean;
  lastStartedAt: string | null;
  /** When the next scheduled backup is due (now when none was ever taken). */
  nextDueAt: string;
}

/**
 * Whether a scheduled backup is due: when no run is recorded, or the newest run (scheduled or
 * manual, successful or not) started at least Backup.IntervalHours ago. Read on every check, so an
 * interval changed through the config API takes effect on the next one.
 */
export function backupSchedule(
  db: AuraDb,
  options: { now?: Date; intervalHours?: number } = {},
): BackupSchedule {
  const now = options.now ?? new Date();
  const intervalHours =
    options.intervalHours ?? readMaintenanceSettings(db).values['Backup.IntervalHours'];
  const last = latestBackupRun(db);
  const next = last ? Date.parse(last.startedAt) + intervalHours * HOUR_MS : now.getTime();
  return {
    intervalHours,
    due: next <= now.getTime(),
    lastStartedAt: last?.startedAt ?? null,
    nextDueAt: nowIso(new Date(Math.max(next, 0))),
  };
}

/** Newest first: StartedAt desc, then Id desc. */
const backupOrder = keyset<BackupRun>('backups', [
  { column: backupRuns.startedAt, direction: 'desc', of: (row) => row.startedAt },
  { column: backupRuns.id, direction: 'desc', of: (row) => row.id },
]);

/** The list query (limit + 1 rows), newest first. Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildBackupRunListQuery(db: AuraDb, query: BackupListQuery) {
  return db
    .select()
    .from(backupRuns)
    .where(backupOrder.after(query.cursor))
    .orderBy(...backupOrder.orderBy)
    .limit(query.limit + 1);
}

/** The time of the latest erasure (a user forgotten), or null. Served by IX_ErasureLog_ErasedAt. */
export function latestErasureAt(db: AuraDb): string | null {
  return (
    db
      .select({ at: sql<string | null>`max(${erasureLog.erasedAt})` })
      .from(erasureLog)
      .get()?.at ?? null
  );
}

/**
 * One page of backup runs, newest first. `predatesErasure`: the backup was taken before a user
 * was forgotten, so it still holds them (a restore erases them again; deleting it is the way to
 * be rid of them).
 */
export function listBackupRuns(
  db: AuraDb,
  query: BackupListQuery,
): Page<BackupRun & { predatesErasure: boolean }> {
  const page = backupOrder.page(buildBackupRunListQuery(db, query).all(), query.limit);
  const erasedAt = latestErasureAt(db);
  return {
    ...page,
    items: page.items.map((run) => ({
      ...run,
      predatesErasure: erasedAt !== null && run.status === 'Succeeded' && run.startedAt < erasedAt,
    })),
  };
}
