import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  backupDirectory,
  backupRuns,
  configurations,
  databasePath,
  findAnyById,
  InvalidInputError,
  NotFoundError,
  StateError,
  type Actor,
  type AuraDb,
} from '@aura/db';
import { inArray } from 'drizzle-orm';
import { setConfig } from '../config/service';
import { maintenanceValueProblem, readMaintenanceSettings } from './settings';
import type { BackupScheduleUpdate } from './schema';

/**
 * What the dashboard's backups page needs beyond the runs: the schedule's two settings with the
 * RowVersions to change them, the file of a recorded run to download, and the restore steps of
 * this installation.
 */

const INTERVAL_KEY = 'Backup.IntervalHours';
const KEEP_KEY = 'Backup.Keep';

export interface BackupSettingsView {
  intervalHours: number;
  keep: number;
  /** The Configurations rows' RowVersions (null: no row yet, the default applies). */
  intervalRowVersion: number | null;
  keepRowVersion: number | null;
  warnings: string[];
}

export function backupSettings(db: AuraDb): BackupSettingsView {
  const read = readMaintenanceSettings(db);
  const rows = db
    .select({ key: configurations.key, rowVersion: configurations.rowVersion })
    .from(configurations)
    .where(inArray(configurations.key, [INTERVAL_KEY, KEEP_KEY]))
    .all();
  const versionOf = (key: string) => rows.find((r) => r.key === key)?.rowVersion ?? null;
  return {
    intervalHours: read.values[INTERVAL_KEY],
    keep: read.values[KEEP_KEY],
    intervalRowVersion: versionOf(INTERVAL_KEY),
    keepRowVersion: versionOf(KEEP_KEY),
    warnings: read.warnings.filter((w) => w.startsWith('Backup.')),
  };
}

/**
 * Changes the backup interval and/or the number of backups kept (admin). Both values are checked
 * before either is written, so a bad value changes nothing; each write is a config.set (logged,
 * undoable, RowVersion-checked: a stale one is CONFLICT).
 */
export function updateBackupSettings(
  db: AuraDb,
  actor: Actor,
  input: BackupScheduleUpdate,
): BackupSettingsView {
  const changes: {
    key: typeof INTERVAL_KEY | typeof KEEP_KEY;
    field: string;
    value: number;
    rowVersion?: number;
  }[] = [];
  if (input.intervalHours !== undefined)
    changes.push({
      key: INTERVAL_KEY,
      field: 'intervalHours',
      value: input.intervalHours,
      rowVersion: input.intervalRowVersion,
    });
  if (input.keep !== undefined)
    changes.push({
      key: KEEP_KEY,
      field: 'keep',
      value: input.keep,
      rowVersion: input.keepRowVersion,
    });
  if (changes.length === 0)
    throw new InvalidInputError('intervalHours', 'Give a new interval or keep count');
  for (const change of changes) {
    const problem = maintenanceValueProblem(change.key, change.value);
    if (problem) throw new InvalidInputError(change.field, problem);
  }
  for (const change of changes) {
    const exists = findAnyById(db, configurations, change.key) !== undefined;
    setConfig(
      db,
      actor,
      {
        key: change.key,
        value: change.value,
        ...(exists
          ? { rowVersion: change.rowVersion }
          : { category: 'Backup', valueType: 'number' as const }),
      },
      { role: 'admin' },
    );
  }
  return backupSettings(db);
}

export interface BackupDownload {
  /** The real path of the backup file (inside the backup folder). */
  path: string;
  /** The file name offered to the browser. */
  name: string;
  sizeBytes: number;
}

/**
 * The file of a recorded, successful backup run, for download. Only a file that a BackupRuns row
 * names and that lies directly in the backup folder (real paths compared, so no link leads out)
 * is ever served; a run without a file, or whose file rotation removed, is refused.
 */
export function backupDownload(
  db: AuraDb,
  runId: string,
  options: { dir?: string } = {},
): BackupDownload {
  const run = findAnyById(db, backupRuns, runId);
  if (!run) throw new NotFoundError('BackupRuns', runId);
  if (run.status !== 'Succeeded' || !run.file) {
    throw new StateError('This backup run failed and has no file to download');
  }
  let folder: string;
  let real: string;
  try {
    folder = realpathSync(options.dir ?? backupDirectory());
    real = realpathSync(run.file);
  } catch {
    throw new StateError('The file of this backup is gone (removed by rotation or by hand)');
  }
  if (path.dirname(real) !== folder) {
    throw new StateError('The file of this backup is not in the backup folder');
  }
  const stat = statSync(real);
  if (!stat.isFile()) throw new StateError('The file of this backup is not a regular file');
  return { path: real, name: path.basename(real), sizeBytes: stat.size };
}

export interface RestoreSteps {
  databasePath: string;
  backupDirectory: string;
  /** In order; each a sentence, with the command to run where there is one. */
  steps: { text: string; command: string | null }[];
}

/** The exact restore procedure of this installation (its database and backup paths). */
export function restoreSteps(db: AuraDb): RestoreSteps {
  const name = db.$client.name;
  const dbPath = name && name !== ':memory:' ? name : databasePath();
  const dir = backupDirectory();
  const example = path.join(dir, '<backup file>.db');
  return {
    databasePath: dbPath,
    backupDirectory: dir,
    steps: [
      {
        text: 'Restoring is a command-line step, run while the dashboard server and the worker are stopped: the restore refuses a database that any other process has open.',
        command: null,
      },
      {
        text: 'Stop the web server and the worker (Ctrl+C, or your service manager).',
        command: null,
      },
      {
        text: 'From the repository root, restore the chosen backup. It checks the backup, keeps a safety copy of the current database and replaces it.',
        command: `AURA_DB_PATH="${dbPath}" pnpm db:restore "${example}"`,
      },
      {
        text: 'If it says the backup predates migrations, apply them before starting.',
        command: `AURA_DB_PATH="${dbPath}" pnpm db:migrate`,
      },
      { text: 'Check the restored database.', command: `AURA_DB_PATH="${dbPath}" pnpm db:verify` },
      { text: 'Start the server and the worker again.', command: 'pnpm start' },
    ],
  };
}
