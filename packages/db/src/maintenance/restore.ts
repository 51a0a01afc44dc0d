import { randomBytes } from 'node:crypto';
import { constants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite, type Sqlite } from '../client';
import { MaintenanceError } from '../errors';
import {
  HISTORY_TABLE,
  applyMigrations,
  loadMigrations,
  pendingMigrations,
  unknownAppliedMigrations,
  type Migration,
} from '../migrations';
import { backupDirectory, dataDirectory, databasePath, resolveFromRoot } from '../paths';
import {
  readErasureLog,
  reapplyErasures,
  type ErasureEntry,
  type ReappliedErasure,
} from '../privacy/erasure';
import {
  SECRET_KEY_ENV,
  availableSecretKeys,
  checkStoredSecrets,
  keyringPath,
  storedSecrets,
  type SecretOptions,
} from '../secrets';
import {
  DEFAULT_BACKUP_KEEP,
  backupFromConnection,
  prepareBackupDirectory,
  validateNow,
} from './backup';
import {
  SQLITE_SIDECARS,
  assertNotLiveDatabaseFile,
  errorMessage,
  fileSize,
  fsyncDirectory,
  fsyncFile,
  hasSqliteHeader,
  hasTable,
  integrityProblems,
  isBusyError,
  isDamagedFileError,
  isRegularFile,
  openReadonlyRaw,
  utcStamp,
} from './sqlite-file';

/**
 * Restoring a backup replaces the database file, so it must never happen under a running web
 * server or worker: their open connections would keep using the old file (or its WAL would be
 * replayed over the new one).
 *
 * In-use detection. Every Aura connection runs in WAL mode and, from its first statement
 * (openSqlite's `journal_mode = WAL` already reads the file), holds a SHARED lock on the
 * database file for as long as it stays open. A connection opened with
 * `PRAGMA locking_mode = EXCLUSIVE` before its first access does not use the shared-memory
 * WAL index: to read at all it needs an EXCLUSIVE lock on the database file. With busy_timeout 0,
 * `BEGIN EXCLUSIVE` on such a connection therefore fails at once with SQLITE_BUSY while any other
 * connection, in this or another process, is open on the file, and succeeds otherwise (stale -wal
 * and -shm left by a crashed process do not count: they hold no lock; their committed frames are
 * recovered into the file). Verified with a separate process holding an idle connection, a read,
 * an open read transaction, after a write, and a read-only connection that has read.
 * A connection that was opened but never ran a statement holds no lock and is not seen; Aura's
 * connections always run their pragmas at once.
 *
 * When the lock is obtained it is KEPT for the whole restore, so a process starting meanwhile
 * waits (busy_timeout) instead of writing into the file being replaced: the safety copy is taken
 * through that connection, the WAL is checkpointed into the old file and the connection is
 * switched to rollback mode (SQLite then deletes the -wal), the verified copy of the backup is
 * renamed over the database, and the stale -wal/-shm/-journal names are removed so no old log is
 * replayed over the restored file. Start the web server and worker again after restore returns.
 */

export const PRE_RESTORE_PREFIX = 'aura_pre_restore';

export const IN_USE_MESSAGE =
  'Stop the web server and the worker (Ctrl+C on `pnpm start`/`npm run up`) before restoring; nothing was changed.';

export interface RestoreOptions {
  /** The backup to restore. Relative paths are taken from the workspace root. */
  file: string;
  /** The database to replace; default AURA_DB_PATH (databasePath()). */
  dbPath?: string;
  /** Where the safety copy of the current database goes; default backupDirectory(). */
  safetyDir?: string;
  /** Time in the safety copy's name; default now. */
  now?: Date;
  /** The migrations this code knows; default the package's migrations. */
  migrationsDir?: string;
  /**
   * Where the keys are that must decrypt the backup's encrypted values; default AURA_SECRET_KEY
   * and the keyring file of the data directory of `dbPath`.
   */
  secrets?: SecretOptions;
}

export interface RestoreResult {
  /** Absolute path of the backup that was restored. */
  restoredFrom: string;
  /** The copy of the database as it was before the restore, or null when there was none. */
  safetyCopy: string | null;
  /** Migrations the restored (older) backup has not applied yet: run db:migrate. */
  pendingMigrations: string[];
  /**
   * Users forgotten after the backup was taken, erased again from the restored file before
   * anything used it (read from the ErasureLog of the database it replaced).
   */
  reappliedErasures: ReappliedErasure[];
  /** Migrations applied during the restore so that those erasures could be applied again. */
  migratedForErasures: string[];
}

export interface RestorableBackup {
  file: string;
  pendingMigrations: string[];
}

/** The keys a restore into `dbPath` will have: AURA_SECRET_KEY and that data directory's file. */
function restoreSecretOptions(dbPath: string | undefined, secrets?: SecretOptions): SecretOptions {
  const env = secrets?.env ?? process.env;
  const dataDir =
    secrets?.dataDir ?? dataDirectory(dbPath ? { ...env, AURA_DB_PATH: dbPath } : env);
  return { env, dataDir };
}

/**
 * Checks that `file` can be restored: a sound SQLite file holding an Aura database whose applied
 * migrations this code knows, and whose encrypted values (settings and their undo-log images) all
 * decrypt with the keys available. Opens it read-only; throws MaintenanceError otherwise.
 */
export function checkRestorable(
  fileOption: string,
  migrations: Migration[] = loadMigrations(),
  dbPath?: string,
  secrets?: SecretOptions,
): RestorableBackup {
  const file = resolveFromRoot(fileOption);
  const nothing = 'nothing was changed';
  if (!existsSync(file))
    throw new MaintenanceError(`The backup file ${file} does not exist; ${nothing}`);
  if (!isRegularFile(file)) throw new MaintenanceError(`${file} is not a file; ${nothing}`);
  // Also before reading its header: fs must never open the live database or its sidecars.
  if (dbPath) assertNotLiveDatabaseFile(file, dbPath, 'restored as a backup');
  let header: boolean;
  try {
    header = hasSqliteHeader(file);
  } catch (error) {
    throw new MaintenanceError(`Cannot read ${file}: ${errorMessage(error)}; ${nothing}`, {
      cause: error,
    });
  }
  if (!header) {
    throw new MaintenanceError(
      `${file} is not a SQLite database (it does not start with "SQLite format 3"); choose an Aura backup (.db); ${nothing}`,
    );
  }
  if (fileSize(`${file}-wal`) > 0) {
    throw new MaintenanceError(
      `${file} has a write-ahead log beside it (${file}-wal): it is a live database, not a backup. Make a backup of it with db:backup and restore that; ${nothing}`,
    );
  }
  let backup: Sqlite;
  try {
    backup = openReadonlyRaw(file);
  } catch (error) {
    throw new MaintenanceError(
      `${file} cannot be opened as a SQLite database (${errorMessage(error)}); ${nothing}`,
      {
        cause: error,
      },
    );
  }
  try {
    let problems: string[];
    try {
      problems = integrityProblems(backup);
    } catch (error) {
      problems = [errorMessage(error)];
    }
    if (problems.length > 0) {
      const more = problems.length > 3 ? ` and ${problems.length - 3} more` : '';
      throw new MaintenanceError(
        `${file} is damaged: its integrity check reports ${problems.slice(0, 3).join('; ')}${more}. Choose another backup; ${nothing}`,
      );
    }
    if (!hasTable(backup, HISTORY_TABLE) || !hasTable(backup, 'ProjectStates')) {
      throw new MaintenanceError(
        `${file} is a SQLite database but not an Aura database (it has no ${HISTORY_TABLE} or ProjectStates table); ${nothing}`,
      );
    }
    const unknown = unknownAppliedMigrations(backup, migrations);
    if (unknown.length > 0) {
      throw new MaintenanceError(
        `${file} was made by a newer version of Aura: it has migrations this version does not know (${unknown.join(', ')}). Restore it with that newer version (or update this one first); ${nothing}`,
      );
    }
    assertSecretsReadable(file, backup, restoreSecretOptions(dbPath, secrets));
    return { file, pendingMigrations: pendingMigrations(backup, migrations).map((m) => m.tag) };
  } catch (error) {
    if (error instanceof MaintenanceError) throw error;
    throw new MaintenanceError(`${file} cannot be read (${errorMessage(error)}); ${nothing}`, {
      cause: error,
    });
  } finally {
    backup.close();
  }
}

/**
 * Refuses a backup holding an encrypted value no available key decrypts: restored, it would leave
 * settings nobody can read (a key deleted or replaced since the backup was taken).
 */
function assertSecretsReadable(file: string, backup: Sqlite, secrets: SecretOptions): void {
  const stored = storedSecrets(backup);
  if (stored.length === 0) return;
  let keys: Map<string, Buffer>;
  try {
    keys = availableSecretKeys(secrets);
  } catch (error) {
    throw new MaintenanceError(
      `${file} holds encrypted settings, but the keys to check them cannot be read (${errorMessage(error)}); nothing was changed`,
      { cause: error },
    );
  }
  const check = checkStoredSecrets(stored, keys);
  if (check.missingKeyIds.length > 0) {
    throw new MaintenanceError(
      `${file} holds encrypted settings under key(s) ${check.missingKeyIds.join(', ')}, which ` +
        `neither ${keyringPath(secrets)} nor ${SECRET_KEY_ENV} has: restored, they could not be ` +
        `decrypted. Bring those keys back (the keyring file of that time, or list them in ` +
        `${SECRET_KEY_ENV} after the current key) and restore again; nothing was changed`,
    );
  }
  if (check.undecryptable.length > 0) {
    throw new MaintenanceError(
      `${file} holds encrypted settings that do not decrypt with their key (${check.undecryptable
        .slice(0, 3)
        .join('; ')}): they were altered; nothing was changed`,
    );
  }
}

type LockOutcome = { lock: Sqlite } | { damaged: unknown };

/**
 * Takes an exclusive lock on the database file (see the comment at the top). Throws the "in use"
 * MaintenanceError when another connection is open; reports a file SQLite cannot read as damaged.
 */
function lockExclusively(dbPath: string): LockOutcome {
  let connection: Sqlite;
  try {
    connection = new Database(dbPath, { fileMustExist: true });
  } catch (error) {
    throw new MaintenanceError(
      `Cannot open the current database ${dbPath} (${errorMessage(error)}); nothing was changed`,
      { cause: error },
    );
  }
  try {
    connection.pragma('busy_timeout = 0');
    connection.pragma('locking_mode = EXCLUSIVE');
    connection.exec('BEGIN EXCLUSIVE');
    connection.exec('COMMIT');
    return { lock: connection };
  } catch (error) {
    connection.close();
    if (isBusyError(error)) {
      throw new MaintenanceError(
        `The database ${dbPath} is in use by another process. ${IN_USE_MESSAGE}`,
        { cause: error },
      );
    }
    if (isDamagedFileError(error)) return { damaged: error };
    throw new MaintenanceError(
      `Cannot lock the current database ${dbPath} (${errorMessage(error)}); nothing was changed`,
      { cause: error },
    );
  }
}

/**
 * True while another connection (web server, worker, a sqlite3 shell) has the database open.
 * A missing file is not in use.
 */
export function isDatabaseInUse(dbPathOption?: string): boolean {
  const dbPath = dbPathOption ? resolveFromRoot(dbPathOption) : databasePath();
  if (!existsSync(dbPath)) return false;
  try {
    const outcome = lockExclusively(dbPath);
    if ('lock' in outcome) outcome.lock.close();
    return false;
  } catch (error) {
    if (error instanceof MaintenanceError && isBusyError(error.cause)) return true;
    throw error;
  }
}

/**
 * A byte copy of a database SQLite cannot read (it cannot be vacuumed), kept beside the backups
 * as `<prefix>_<stamp>.damaged.db` (never rotated: rotation only matches `<prefix>_<stamp>.db`).
 * Only while no connection of this process has the file open: closing the copy's descriptor
 * would drop that connection's locks.
 */
function rawSafetyCopy(dbPath: string, dir: string, now: Date): string {
  const stamp = utcStamp(now);
  for (let seq = 1; seq < 10_000; seq++) {
    const suffix = seq === 1 ? '' : `_${seq}`;
    const target = path.join(dir, `${PRE_RESTORE_PREFIX}_${stamp}${suffix}.damaged.db`);
    if (existsSync(target)) continue;
    try {
      copyFileSync(dbPath, target, constants.COPYFILE_EXCL);
      if (existsSync(`${dbPath}-wal`)) copyFileSync(`${dbPath}-wal`, `${target}-wal`);
      fsyncFile(target);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      rmSync(target, { force: true });
      rmSync(`${target}-wal`, { force: true });
      throw new MaintenanceError(
        `Could not keep a copy of the current database in ${dir} (${errorMessage(error)}); nothing was changed`,
        { cause: error },
      );
    }
  }
  throw new MaintenanceError(
    `Too many safety copies named ${PRE_RESTORE_PREFIX}_${stamp} in ${dir}`,
  );
}

/**
 * Replaces the database with a backup. Refuses (changing nothing) a missing, non-SQLite, damaged,
 * non-Aura or too-new backup, and a database in use by another process. Keeps a safety copy of
 * the current database first (`aura_pre_restore_*.db` in safetyDir).
 */
export function restoreDatabase(options: RestoreOptions): RestoreResult {
  if (typeof options.file !== 'string' || options.file.trim() === '')
    throw new MaintenanceError('Name the backup file to restore');
  const dbPath = options.dbPath ? resolveFromRoot(options.dbPath) : databasePath();
  const safetyDir = options.safetyDir ? resolveFromRoot(options.safetyDir) : backupDirectory();
  const now = validateNow(options.now);
  const migrations = loadMigrations(options.migrationsDir);
  const { file, pendingMigrations: pending } = checkRestorable(
    options.file,
    migrations,
    dbPath,
    options.secrets,
  );

  const dbDir = path.dirname(dbPath);
  try {
    mkdirSync(dbDir, { recursive: true });
  } catch (error) {
    throw new MaintenanceError(
      `Cannot create the database folder ${dbDir} (${errorMessage(error)}); nothing was changed`,
      { cause: error },
    );
  }
  const temp = path.join(
    dbDir,
    `.${path.basename(dbPath)}.restore-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );

  let lock: Sqlite | null = null;
  let safetyCopy: string | null = null;
  // The erasures the current database recorded: applied again below to the restored file.
  let erasures: ErasureEntry[] = [];
  let leftWal = false;
  let swapped = false;
  try {
    if (existsSync(dbPath)) {
      const outcome = lockExclusively(dbPath);
      if ('lock' in outcome) lock = outcome.lock; // from here on released by `finally`
      prepareBackupDirectory(safetyDir);
      if (lock) {
        try {
          safetyCopy = backupFromConnection(lock, {
            dir: safetyDir,
            keep: DEFAULT_BACKUP_KEEP,
            prefix: PRE_RESTORE_PREFIX,
            now,
            protect: [file],
            dbPath,
          }).file;
        } catch (error) {
          if (!isDamagedFileError(error instanceof MaintenanceError ? error.cause : error))
            throw error;
          try {
            lock.pragma('wal_checkpoint(TRUNCATE)');
          } catch {
            // a damaged file may refuse the checkpoint; the -wal is copied as well
          }
          // Release the file for the byte copy, then lock it again (refusing if someone came in).
          lock.close();
          lock = null;
          safetyCopy = rawSafetyCopy(dbPath, safetyDir, now);
          const again = lockExclusively(dbPath);
          if ('lock' in again) lock = again.lock;
        }
      } else {
        safetyCopy = rawSafetyCopy(dbPath, safetyDir, now);
      }
    }

    if (lock) erasures = currentErasures(lock, dbPath);

    copyFileSync(file, temp);
    fsyncFile(temp);
    if (fileSize(temp) !== fileSize(file) || !hasSqliteHeader(temp))
      throw new MaintenanceError(
        `Copying ${file} next to the database was incomplete; nothing was changed`,
      );

    if (lock) {
      // Everything committed goes into the old file, then SQLite removes its -wal.
      lock.pragma('wal_checkpoint(TRUNCATE)');
      lock.pragma('journal_mode = DELETE');
      leftWal = true;
    }
    // The one place fs touches the live names: under the exclusive lock, after SQLite let go of
    // the -wal; rename and unlink open no descriptor, so the lock holds until `finally`.
    renameSync(temp, dbPath);
    swapped = true;
    for (const suffix of SQLITE_SIDECARS) rmSync(`${dbPath}${suffix}`, { force: true });
    fsyncDirectory(dbDir);
  } catch (error) {
    rmSync(temp, { force: true });
    if (lock && leftWal && !swapped) {
      try {
        lock.pragma('journal_mode = WAL');
      } catch {
        // the next openSqlite switches it back anyway
      }
    }
    if (error instanceof MaintenanceError) throw error;
    throw new MaintenanceError(
      `Restore failed (${errorMessage(error)}); the current database was not changed`,
      { cause: error },
    );
  } finally {
    lock?.close();
  }

  // Open it the way the application does, confirm it is sound, and erase again whoever was
  // forgotten after the backup was taken, before anything else uses the file.
  let restored: Sqlite | undefined;
  let problems: string[];
  let reappliedErasures: ReappliedErasure[] = [];
  let migratedForErasures: string[] = [];
  try {
    restored = openSqlite(dbPath);
    problems = integrityProblems(restored);
    if (problems.length === 0 && erasures.length > 0) {
      const known = new Set(readErasureLog(restored).map((e) => e.id));
      if (erasures.some((e) => !known.has(e.id))) {
        // The erasure works on the current schema (and records itself in the ErasureLog).
        migratedForErasures = applyMigrations(restored, migrations);
        reappliedErasures = reapplyErasures(restored, erasures);
      }
    }
  } catch (error) {
    problems = [errorMessage(error)];
  } finally {
    restored?.close();
  }
  if (problems.length > 0) {
    throw new MaintenanceError(
      `The restored database failed its integrity check (${problems.slice(0, 3).join('; ')}).` +
        (safetyCopy ? ` The database as it was before is saved at ${safetyCopy}.` : ''),
    );
  }
  return {
    restoredFrom: file,
    safetyCopy,
    pendingMigrations: pending.filter((tag) => !migratedForErasures.includes(tag)),
    reappliedErasures,
    migratedForErasures,
  };
}

/**
 * The ErasureLog of the database about to be replaced. One that cannot be read stops the
 * restore: going on would bring back people who asked to be forgotten.
 */
function currentErasures(lock: Sqlite, dbPath: string): ErasureEntry[] {
  try {
    return readErasureLog(lock);
  } catch (error) {
    throw new MaintenanceError(
      `Cannot read the erasure log of ${dbPath} (${errorMessage(error)}), so users forgotten since the backup could not be erased again; nothing was changed`,
      { cause: error },
    );
  }
}
