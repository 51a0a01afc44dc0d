import { closeSync, fsyncSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Sqlite } from '../client';
import { MaintenanceError } from '../errors';

/**
 * Helpers shared by backup, restore and verify: raw SQLite file facts, no Aura knowledge.
 *
 * The live database, its -wal and its -shm are SQLite's alone. Closing ANY descriptor of a file
 * drops every POSIX lock the process holds on it, so a process holding a connection that opens and
 * closes the database with fs silently loses its locks: the next process to close its connection
 * believes it is the last, checkpoints and deletes the -wal and -shm, and every later commit goes
 * into an unlinked log (lost at the next restart), while db:restore no longer sees the file in use
 * (sqlite.org, "How To Corrupt An SQLite Database File", 2.2). Facts about a live database come
 * from SQLite (a connection, a PRAGMA, VACUUM INTO); fs only reads files no connection has open
 * (a backup candidate, a temporary copy), and assertNotLiveDatabaseFile guards those paths.
 */

export const SQLITE_HEADER = 'SQLite format 3\u0000';

/** The names SQLite keeps beside a database. */
export const SQLITE_SIDECARS = ['-wal', '-shm', '-journal'] as const;

/**
 * Reads the first 16 bytes of a file; null when the file is shorter. Never on the live database
 * (see the top of this file): only on files no connection of any process is using.
 */
export function readHeader(file: string): string | null {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(16);
    const read = readSync(fd, buffer, 0, 16, 0);
    return read === 16 ? buffer.toString('latin1') : null;
  } finally {
    closeSync(fd);
  }
}

function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    // stat opens no descriptor; device and inode catch hard links, realpath catches symlinks.
    const sa = statSync(a);
    const sb = statSync(b);
    return (sa.dev === sb.dev && sa.ino === sb.ino) || realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Which live file `file` is: '' (the database at `dbPath`), '-wal', '-shm', '-journal', or null. */
function liveFileSuffix(file: string, dbPath: string): string | null {
  return ['', ...SQLITE_SIDECARS].find((suffix) => sameFile(file, `${dbPath}${suffix}`)) ?? null;
}

/** Whether `file` is the database at `dbPath` or one of its sidecars (also through a link). */
export function isLiveDatabaseFile(file: string, dbPath: string): boolean {
  return liveFileSuffix(file, dbPath) !== null;
}

/** Refuses fs work on the live database or its sidecars (see the top of this file). */
export function assertNotLiveDatabaseFile(file: string, dbPath: string, action: string): void {
  const suffix = liveFileSuffix(file, dbPath);
  if (suffix === null) return;
  const which =
    suffix === '' ? 'the current database itself' : `the ${suffix} of the current database`;
  throw new MaintenanceError(
    `${file} is ${which} (${dbPath}): it cannot be ${action}; nothing was changed`,
  );
}

export const NOT_A_DATABASE = 'not a SQLite database';

/** What SQLite said about a file it could not use: NOT_A_DATABASE for SQLITE_NOTADB. */
export function sqliteProblemOf(error: unknown): string {
  return sqliteCode(error)?.startsWith('SQLITE_NOTADB') ? NOT_A_DATABASE : errorMessage(error);
}

/**
 * Asks SQLite, through an open connection, whether its file is a readable database: null when it
 * is, else sqliteProblemOf the failure. The fs-free replacement of a header check.
 */
export function sqliteFileProblem(sqlite: Sqlite): string | null {
  try {
    sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
    return null;
  } catch (error) {
    return sqliteProblemOf(error);
  }
}

/** True when the file starts with SQLite's 16-byte magic header (same rule as readHeader). */
export function hasSqliteHeader(file: string): boolean {
  return readHeader(file) === SQLITE_HEADER;
}

export function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Flushes a file's data to disk. */
export function fsyncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory entry (a rename) to disk; not supported everywhere, so best effort. */
export function fsyncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows and some file systems cannot fsync a directory.
  }
}

/** A raw read-only connection (no pragmas, no side effect on the file's journal mode). */
export function openReadonlyRaw(file: string): Sqlite {
  return new Database(file, { readonly: true, fileMustExist: true });
}

export function hasTable(sqlite: Sqlite, table: string): boolean {
  return (
    sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !==
    undefined
  );
}

/** `PRAGMA integrity_check` as readable lines; empty when the file is sound. */
export function integrityProblems(sqlite: Sqlite): string[] {
  const rows = (sqlite.pragma('integrity_check') as { integrity_check: unknown }[]).map((r) =>
    String(r.integrity_check),
  );
  if (rows.length === 1 && rows[0] === 'ok') return [];
  const lines = rows
    .flatMap((row) => row.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^\*\*\* in database \w+ \*\*\*$/.test(line));
  return lines.length > 0 ? lines : rows;
}

/** The SQLite result code of an error thrown by better-sqlite3 (e.g. SQLITE_BUSY), if any. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SQLITE_CORRUPT, SQLITE_NOTADB and their extended codes: the file itself is damaged. */
export function isDamagedFileError(error: unknown): boolean {
  const code = sqliteCode(error);
  return (
    code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'))
  );
}

export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** `20261122_100000` in UTC. */
export function utcStamp(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}_` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
