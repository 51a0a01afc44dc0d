import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema';
import { databasePath } from './paths';

export type Sqlite = Database.Database;
export type AuraDb = BetterSQLite3Database<typeof schema> & { $client: Sqlite };

export type SynchronousMode = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

export interface OpenOptions {
  readonly?: boolean;
  /** Milliseconds a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Defaults to AURA_DB_SYNCHRONOUS, else FULL (see applyPragmas). */
  synchronous?: SynchronousMode;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

function synchronousFromEnv(): SynchronousMode {
  const value = process.env.AURA_DB_SYNCHRONOUS?.trim().toUpperCase();
  if (value === 'OFF' || value === 'NORMAL' || value === 'FULL' || value === 'EXTRA') return value;
  return 'FULL';
}

/**
 * The pragmas every connection of every process gets.
 * - WAL: the web server and the worker read while the other writes.
 * - foreign_keys: SQLite leaves them off per connection unless asked.
 * - busy_timeout: a writer waits for the other process instead of failing at once.
 * - synchronous=FULL: a commit is on disk before it returns, so nothing committed is lost even
 *   on power loss; user projects are worth the fsync (NORMAL keeps only application-crash safety).
 */
export function applyPragmas(sqlite: Sqlite, options: OpenOptions = {}): void {
  if (!sqlite.readonly) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
  sqlite.pragma(`synchronous = ${options.synchronous ?? synchronousFromEnv()}`);
}

/** Opens a SQLite connection with the pragmas set. `:memory:` is allowed for tests. */
export function openSqlite(file: string = databasePath(), options: OpenOptions = {}): Sqlite {
  if (file !== ':memory:' && !options.readonly) mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  applyPragmas(sqlite, options);
  return sqlite;
}

/** Wraps a connection in the typed Drizzle client. */
export function createDb(sqlite: Sqlite): AuraDb {
  return drizzle<typeof schema>({ client: sqlite, schema });
}

/** Opens the database at `file` (default AURA_DB_PATH) and returns the typed client. */
export function openDatabase(file?: string, options?: OpenOptions): AuraDb {
  return createDb(openSqlite(file, options));
}
