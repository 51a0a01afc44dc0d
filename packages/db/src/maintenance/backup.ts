import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import { openSqlite, type Sqlite } from '../client';
import { MaintenanceError } from '../errors';
import { HISTORY_TABLE } from '../migrations';
import { backupDirectory, databasePath, resolveFromRoot } from '../paths';
import {
  errorMessage,
  fsyncDirectory,
  fileSize,
  fsyncFile,
  hasTable,
  integrityProblems,
  isLiveDatabaseFile,
  isRegularFile,
  openReadonlyRaw,
  NOT_A_DATABASE,
  sqliteFileProblem,
  sqliteProblemOf,
  utcStamp,
} from './sqlite-file';

/**
 * Online backups. `VACUUM INTO` writes a consistent snapshot (one read transaction) while the web
 * server and the worker keep writing through the WAL; a file copy of a WAL database is not a
 * backup (the newest commits live in the -wal file, and a copy taken mid-checkpoint is torn).
 *
 * A backup is written to a hidden temporary name in the backup directory, checked
 * (integrity_check, migration history present), flushed to disk and only then linked to its
 * final name `<prefix>_YYYYMMDD_HHMMSS.db` (UTC; `_2`, `_3`… when that second is taken). Nothing
 * else in the directory is ever touched: rotation only considers files named exactly like that.
 */

export const DEFAULT_BACKUP_PREFIX = 'aura_backup';
export const DEFAULT_BACKUP_KEEP = 10;

export interface BackupOptions {
  /** The database to back up; default AURA_DB_PATH (databasePath()). */
  dbPath?: string;
  /** Where the backup goes; default AURA_BACKUP_DIR (backupDirectory()). Created if missing. */
  dir?: string;
  /** How many backups with this prefix to keep (newest first); default 10. */
  keep?: number;
  /** File name prefix; default `aura_backup`. Letters, digits, `.`, `_`, `-`. */
  prefix?: string;
  /** The time in the file name (UTC); default now. */
  now?: Date;
}

export interface BackupResult {
  /** Absolute path of the new backup. */
  file: string;
  sizeBytes: number;
  /** Older backups removed by rotation. */
  pruned: string[];
}

export interface BackupInfo {
  /** Absolute path. */
  file: string;
  /** File name. */
  name: string;
  prefix: string;
  sizeBytes: number;
  /** The UTC time in the file name. */
  createdAt: Date;
  modifiedAt: Date;
}

interface BackupSettings {
  dir: string;
  keep: number;
  prefix: string;
  now: Date;
  /** Files rotation must not remove (e.g. the backup being restored). */
  protect?: string[];
  /** The database backed up: rotation never removes it or its sidecars, whatever their names. */
  dbPath?: string;
}

const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function backupNamePattern(prefix?: string): RegExp {
  const p = prefix === undefined ? '(.+?)' : `(${escapeRegExp(prefix)})`;
  return new RegExp(`^${p}_(\\d{8})_(\\d{6})(?:_(\\d+))?\\.db$`);
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOTDIR':
      return 'a part of that path is a file, not a folder';
    case 'EEXIST':
      return 'a file with that name already exists';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return errorMessage(error);
  }
}

export function validatePrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new MaintenanceError(
      `Invalid backup prefix "${prefix}": use letters, digits, ".", "_" or "-" (no folders)`,
    );
  }
  return prefix;
}

export function validateNow(now: Date | undefined): Date {
  const value = now ?? new Date();
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new MaintenanceError('Invalid date for the backup name');
  return value;
}

function validateKeep(keep: number | undefined): number {
  const value = keep ?? DEFAULT_BACKUP_KEEP;
  if (!Number.isInteger(value) || value < 1) {
    throw new MaintenanceError(
      `keep must be a whole number of at least 1 (got ${String(keep)}): it is how many backups to keep`,
    );
  }
  return value;
}

/** Creates the directory if needed and makes sure files can be written into it. */
export function prepareBackupDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new MaintenanceError(
      `Cannot create the backup directory ${dir}: ${describeFsError(error)}`,
      { cause: error },
    );
  }
  if (!statSync(dir).isDirectory())
    throw new MaintenanceError(`The backup directory ${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new MaintenanceError(
      `The backup directory ${dir} is not writable: ${describeFsError(error)}`,
      { cause: error },
    );
  }
}

/**
 * Path facts only (stat opens no descriptor): this may run inside the web server or the worker,
 * which hold connections to this very file, so whether it is a database is asked of SQLite.
 */
function assertSourceDatabase(dbPath: string): void {
  if (!existsSync(dbPath)) {
    throw new MaintenanceError(
      `There is no database at ${dbPath}, so there is nothing to back up. Check AURA_DB_PATH, or run db:migrate to create it.`,
    );
  }
  if (!isRegularFile(dbPath)) throw new MaintenanceError(`${dbPath} is not a database file`);
  if (fileSize(dbPath) === 0)
    throw new MaintenanceError(`${dbPath} is empty (run db:migrate); nothing was backed up`);
}

/** Integrity-checks a freshly written backup; throws MaintenanceError when it is not sound. */
function checkBackupCopy(file: string, requireHistory: boolean): void {
  let copy: Sqlite | undefined;
  try {
    copy = openReadonlyRaw(file);
    const problems = integrityProblems(copy);
    if (problems.length > 0) {
      throw new MaintenanceError(
        `The backup copy failed its integrity check (${problems.slice(0, 3).join('; ')}); it was not kept`,
      );
    }
    if (requireHistory && !hasTable(copy, HISTORY_TABLE)) {
      throw new MaintenanceError(
        `The backup copy has no ${HISTORY_TABLE} table although the database has one; it was not kept`,
      );
    }
  } catch (error) {
    if (error instanceof MaintenanceError) throw error;
    throw new MaintenanceError(
      `The backup copy cannot be read back (${errorMessage(error)}); it was not kept`,
      {
        cause: error,
      },
    );
  } finally {
    copy?.close();
  }
}

/** Gives the temporary file its final name without ever replacing an existing backup. */
function placeBackup(temp: string, dir: string, prefix: string, stamp: string): string {
  for (let seq = 1; seq < 10_000; seq++) {
    const target = path.join(
      dir,
      seq === 1 ? `${prefix}_${stamp}.db` : `${prefix}_${stamp}_${seq}.db`,
    );
    try {
      // A hard link fails when the name exists, so two backups in the same second never collide.
      linkSync(temp, target);
      unlinkSync(temp);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      // File systems without hard links: check, then rename.
      if (existsSync(target)) continue;
      renameSync(temp, target);
      return target;
    }
  }
  throw new MaintenanceError(`Too many backups named ${prefix}_${stamp} in ${dir}`);
}

/** Keeps the newest `keep` backups of `prefix` (and every protected file); returns removed paths. */
function rotateBackups(
  dir: string,
  prefix: string,
  keep: number,
  protect: string[],
  dbPath: string | undefined,
): string[] {
  const all = listBackups(dir, prefix).filter(
    (backup) => dbPath === undefined || !isLiveDatabaseFile(backup.file, dbPath),
  );
  const protectedFiles = new Set(protect.map((p) => path.resolve(p)));
  const kept = new Set(
    all.filter((b) => protectedFiles.has(path.resolve(b.file))).map((b) => b.file),
  );
  const pruned: string[] = [];
  const failures: string[] = [];
  for (const backup of all) {
    if (kept.has(backup.file)) continue;
    if (kept.size < keep) {
      kept.add(backup.file);
      continue;
    }
    try {
      unlinkSync(backup.file);
      pruned.push(backup.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      failures.push(`${backup.file} (${describeFsError(error)})`);
    }
  }
  if (failures.length > 0) {
    throw new MaintenanceError(`Old backups could not be removed: ${failures.join(', ')}`);
  }
  return pruned;
}

/**
 * Writes a backup of an open connection (VACUUM INTO). Used by backupDatabase and by restore, which
 * takes its safety copy through the exclusive connection it already holds.
 */
export function backupFromConnection(source: Sqlite, settings: BackupSettings): BackupResult {
  const { dir, keep, prefix, now } = settings;
  const stamp = utcStamp(now);
  const temp = path.join(
    dir,
    `.${prefix}_${stamp}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  let file: string;
  try {
    const sourceHasHistory = hasTable(source, HISTORY_TABLE);
    try {
      source.prepare('VACUUM INTO ?').run(temp);
    } catch (error) {
      throw new MaintenanceError(
        `Could not write the backup into ${dir}: ${errorMessage(error)}; nothing was kept`,
        { cause: error },
      );
    }
    checkBackupCopy(temp, sourceHasHistory);
    fsyncFile(temp);
    file = placeBackup(temp, dir, prefix, stamp);
    fsyncDirectory(dir);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  const pruned = rotateBackups(
    dir,
    prefix,
    keep,
    [file, ...(settings.protect ?? [])],
    settings.dbPath,
  );
  return { file, sizeBytes: statSync(file).size, pruned };
}

/**
 * Takes an online backup of the database (safe while the web server and worker write), checks it,
 * and removes the oldest backups beyond `keep`. Throws MaintenanceError, leaving no partial file.
 */
export function backupDatabase(options: BackupOptions = {}): BackupResult {
  const dbPath = options.dbPath ? resolveFromRoot(options.dbPath) : databasePath();
  const dir = options.dir ? resolveFromRoot(options.dir) : backupDirectory();
  const prefix = validatePrefix(options.prefix ?? DEFAULT_BACKUP_PREFIX);
  const keep = validateKeep(options.keep);
  const now = validateNow(options.now);
  assertSourceDatabase(dbPath);
  prepareBackupDirectory(dir);
  const unusable = (problem: string, cause?: unknown) =>
    new MaintenanceError(
      problem === NOT_A_DATABASE
        ? `${dbPath} is not a SQLite database; nothing was backed up`
        : `Cannot open the database ${dbPath}: ${problem}; nothing was backed up`,
      { cause },
    );
  let source: Sqlite;
  try {
    source = openSqlite(dbPath, { readonly: true });
  } catch (error) {
    throw unusable(sqliteProblemOf(error), error);
  }
  try {
    const problem = sqliteFileProblem(source);
    if (problem) throw unusable(problem);
    return backupFromConnection(source, { dir, keep, prefix, now, dbPath });
  } finally {
    source.close();
  }
}

/**
 * The backups in `dir`, newest first: files named `<prefix>_YYYYMMDD_HHMMSS[_n].db` (any prefix
 * when none is given). A missing directory has none.
 */
export function listBackups(dir: string = backupDirectory(), prefix?: string): BackupInfo[] {
  const folder = resolveFromRoot(dir);
  if (prefix !== undefined) validatePrefix(prefix);
  if (!existsSync(folder)) return [];
  if (!statSync(folder).isDirectory())
    throw new MaintenanceError(`The backup directory ${folder} is not a folder`);
  const pattern = backupNamePattern(prefix);
  const found: (BackupInfo & { key: string })[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const match = pattern.exec(entry.name);
    if (!match) continue;
    const [, name, date, time, seq] = match as unknown as [string, string, string, string, string?];
    const createdAt = new Date(
      Date.UTC(
        Number(date.slice(0, 4)),
        Number(date.slice(4, 6)) - 1,
        Number(date.slice(6, 8)),
        Number(time.slice(0, 2)),
        Number(time.slice(2, 4)),
        Number(time.slice(4, 6)),
      ),
    );
    const file = path.join(folder, entry.name);
    let stat;
    try {
      stat = statSync(file);
    } catch {
      continue; // removed meanwhile
    }
    found.push({
      file,
      name: entry.name,
      prefix: name,
      sizeBytes: stat.size,
      createdAt,
      modifiedAt: stat.mtime,
      key: `${date}${time}${String(seq ?? '1').padStart(6, '0')}`,
    });
  }
  found.sort((a, b) => (a.key === b.key ? b.name.localeCompare(a.name) : a.key < b.key ? 1 : -1));
  return found.map(({ key: _key, ...info }) => info);
}
