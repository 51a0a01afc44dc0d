import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { closeSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LimitError, PreconditionError, openSqlite, type Sqlite } from '@aura/db';

/**
 * A consistent, read-only copy of a legacy database, taken without ever writing the source.
 *
 * - A WAL-mode file with its `-wal` and `-shm` is (or may be) open in the old app: the copy is
 *   made with SQLite's backup API through a read-only connection, which reads committed pages
 *   from the main file and the WAL under SQLite's own locks, so an app writing meanwhile is safe.
 * - A WAL-mode file without a `-shm` is closed everywhere (every WAL connection keeps one while
 *   open): a plain copy, or one a backup script took without a checkpoint, `-wal` beside it.
 *   Opening it, even read-only, would make SQLite create `-wal`/`-shm` beside it, so its bytes
 *   (and its `-wal`'s) are copied instead, checked unchanged afterwards, and the copy recovers the
 *   WAL content.
 * - A rollback-journal file is read with the backup API (shared lock; no file is created).
 *
 * The copy is switched to a rollback journal (it is ours) and reopened read-only.
 *
 * fs reads the source's header only while this process holds no connection to it: callers run
 * one import at a time (see import.ts), and the media guard keeps the service's own files out.
 */

/**
 * The largest legacy file taken: it is copied to a temporary file and read in one transaction.
 * A real .NET Aura database holds settings and project specs, not media: megabytes.
 */
export const LEGACY_DB_MAX_BYTES = 1024 * 1024 * 1024;

export interface LegacySnapshot {
  /** The copy, opened read-only. */
  db: Sqlite;
  /** Size of the source file in bytes. */
  sourceBytes: number;
  /** The source's journal mode as its header says: 'wal' or 'delete' (rollback journal). */
  journalMode: 'wal' | 'delete';
  /** How the copy was taken. */
  method: 'backup-api' | 'file-copy';
  close: () => void;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** The first 100 bytes (SQLite's file header), or fewer for a short file. */
function readFileHeader(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(100);
    const read = readSync(fd, buffer, 0, 100, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function sameStat(a: { size: number; mtimeMs: number }, b: { size: number; mtimeMs: number }) {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** Takes the snapshot; the caller must `close()` it (that also removes the temporary copy). */
export async function openLegacySnapshot(source: string): Promise<LegacySnapshot> {
  let stat;
  try {
    stat = statSync(source);
  } catch {
    throw new PreconditionError(`${source} does not exist or cannot be read`);
  }
  if (!stat.isFile()) throw new PreconditionError(`${source} is not a file`);
  if (stat.size > LEGACY_DB_MAX_BYTES) {
    throw new LimitError(
      `${source} is ${stat.size} bytes; a legacy database may be at most ${LEGACY_DB_MAX_BYTES} bytes`,
    );
  }
  const header = readFileHeader(source);
  if (header.length < 100 || header.subarray(0, 16).toString('latin1') !== SQLITE_MAGIC) {
    throw new PreconditionError(`${source} is not a SQLite database, so not a .NET Aura database`);
  }
  // Header bytes 18/19: file format read/write versions, 2 for WAL, 1 for a rollback journal.
  const journalMode = header[18] === 2 && header[19] === 2 ? 'wal' : 'delete';

  const dir = mkdtempSync(path.join(tmpdir(), 'aura-legacy-'));
  const copy = path.join(dir, 'legacy.db');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let method: LegacySnapshot['method'];
  try {
    const wal = `${source}-wal`;
    if (journalMode === 'wal' && !existsSync(`${source}-shm`)) {
      method = 'file-copy';
      const walStat = existsSync(wal) ? statSync(wal) : null;
      copyFileSync(source, copy);
      if (walStat) copyFileSync(wal, `${copy}-wal`);
      const walAfter = existsSync(wal) ? statSync(wal) : null;
      const walSame =
        walStat === null ? walAfter === null : walAfter !== null && sameStat(walStat, walAfter);
      if (!sameStat(stat, statSync(source)) || !walSame || existsSync(`${source}-shm`)) {
        throw new PreconditionError(
          `${source} changed while it was copied (is the old app running?); try again`,
        );
      }
    } else {
      method = 'backup-api';
      const src = openSqlite(source, { readonly: true });
      try {
        src.pragma('query_only = ON');
        await src.backup(copy);
      } finally {
        src.close();
      }
    }
    const writable = openSqlite(copy);
    try {
      writable.pragma('journal_mode = DELETE');
    } finally {
      writable.close();
    }
    const db = openSqlite(copy, { readonly: true });
    return {
      db,
      sourceBytes: stat.size,
      journalMode,
      method,
      close: () => {
        db.close();
        cleanup();
      },
    };
  } catch (error) {
    cleanup();
    if (error instanceof PreconditionError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PreconditionError(`${source} cannot be read as a SQLite database: ${reason}`);
  }
}
