import {
  copyFileSync,
  linkSync,
  existsSync,
  openSync,
  closeSync,
  writeSync,
  statSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/client';
import { MaintenanceError } from '../../src/errors';
import { loadMigrations } from '../../src/migrations';
import {
  IN_USE_MESSAGE,
  backupDatabase,
  isDatabaseInUse,
  listBackups,
  restoreDatabase,
  verifyDatabase,
} from '../../src/maintenance';
import {
  cleanup,
  createDatabase,
  insertProjects,
  killChild,
  listDir,
  projectCount,
  projectRows,
  sha256File,
  spawnFixture,
  tempDir,
  waitForLine,
  withDb,
} from './helpers';

afterEach(cleanup);

function setup(projects = 3) {
  const root = tempDir();
  const dbPath = path.join(root, 'data', 'aura.db');
  const backups = path.join(root, 'backups');
  const safetyDir = path.join(root, 'safety');
  createDatabase(dbPath, projects);
  return { root, dbPath, backups, safetyDir };
}

/** Everything a refusal must leave as it was. */
function snapshot(dbPath: string, safetyDir: string) {
  return {
    hash: sha256File(dbPath),
    count: projectCount(dbPath),
    dbDir: listDir(path.dirname(dbPath)),
    safety: existsSync(safetyDir) ? listDir(safetyDir) : [],
  };
}

function expectRefused(
  run: () => unknown,
  message: RegExp | string,
  dbPath: string,
  safetyDir: string,
) {
  const before = snapshot(dbPath, safetyDir);
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MaintenanceError);
  expect((error as Error).message).toMatch(message);
  expect(snapshot(dbPath, safetyDir)).toEqual(before);
  return error as MaintenanceError;
}

describe('restoreDatabase', () => {
  it('round trip: restores the backup, keeps a safety copy, leaves no stale -wal/-shm', () => {
    const { dbPath, backups, safetyDir } = setup(3);
    const { file } = backupDatabase({ dbPath, dir: backups });
    const atBackup = projectRows(file);

    withDb(dbPath, (s) => {
      insertProjects(s, 2, 'After the backup');
      s.prepare(
        `UPDATE ProjectStates SET Title = 'Renamed', RowVersion = RowVersion + 1 WHERE Id = ?`,
      ).run(atBackup[0]!.Id);
    });
    const beforeRestore = projectRows(dbPath);
    expect(beforeRestore).toHaveLength(5);

    const result = restoreDatabase({
      file,
      dbPath,
      safetyDir,
      now: new Date('2026-11-22T10:00:00Z'),
    });

    // Nothing beside the database: no old -wal/-shm/-journal, no temporary file.
    expect(listDir(path.dirname(dbPath))).toEqual(['aura.db']);
    expect(result.restoredFrom).toBe(file);
    expect(result.pendingMigrations).toEqual([]);
    expect(projectRows(dbPath)).toEqual(atBackup);
    expect(result.safetyCopy).toBe(path.join(safetyDir, 'aura_pre_restore_20261122_100000.db'));
    expect(projectRows(result.safetyCopy!)).toEqual(beforeRestore);
    expect(verifyDatabase({ dbPath }).ok).toBe(true);
    // The application opens it in WAL mode again.
    withDb(dbPath, (s) => expect(s.pragma('journal_mode', { simple: true })).toBe('wal'));
    // The backup itself is untouched.
    expect(projectRows(file)).toEqual(atBackup);
  });

  it('does not replay the WAL of a crashed process over the restored file', async () => {
    const { dbPath, backups, safetyDir } = setup(2);
    const { file } = backupDatabase({ dbPath, dir: backups });

    // A writer commits two rows (kept in the -wal: autocheckpoint off) and crashes.
    const holder = spawnFixture('holder.ts', [dbPath, 'write']);
    expect(await waitForLine(holder, 'ready')).toBe('ready 4');
    await killChild(holder);
    expect(statSync(`${dbPath}-wal`).size).toBeGreaterThan(0);
    expect(isDatabaseInUse(dbPath)).toBe(false); // a crashed process holds no lock

    const result = restoreDatabase({ file, dbPath, safetyDir });

    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    expect(existsSync(`${dbPath}-shm`)).toBe(false);
    expect(projectCount(dbPath)).toBe(2);
    expect(projectRows(dbPath)).toEqual(projectRows(file));
    // The crashed process's committed rows are in the safety copy.
    expect(projectCount(result.safetyCopy!)).toBe(4);
  });

  it('refuses while another process holds the database open, changing nothing', async () => {
    const { dbPath, backups, safetyDir } = setup(3);
    const { file } = backupDatabase({ dbPath, dir: backups });
    withDb(dbPath, (s) => insertProjects(s, 1, 'Newer'));

    const holder = spawnFixture('holder.ts', [dbPath, 'read']);
    await waitForLine(holder, 'ready');
    expect(isDatabaseInUse(dbPath)).toBe(true);
    const error = expectRefused(
      () => restoreDatabase({ file, dbPath, safetyDir }),
      'is in use by another process',
      dbPath,
      safetyDir,
    );
    expect(error.message).toContain(IN_USE_MESSAGE);
    expect(projectCount(dbPath)).toBe(4);

    // Once it is stopped the same restore goes through.
    await killChild(holder);
    expect(isDatabaseInUse(dbPath)).toBe(false);
    restoreDatabase({ file, dbPath, safetyDir });
    expect(projectCount(dbPath)).toBe(3);
  });

  it('refuses while a connection in this process is open', () => {
    const { dbPath, backups, safetyDir } = setup(1);
    const { file } = backupDatabase({ dbPath, dir: backups });
    const open = openSqlite(dbPath);
    try {
      expect(isDatabaseInUse(dbPath)).toBe(true);
      expect(() => restoreDatabase({ file, dbPath, safetyDir })).toThrow(IN_USE_MESSAGE);
      expect(open.prepare('SELECT count(*) AS n FROM ProjectStates').get()).toEqual({ n: 1 });
    } finally {
      open.close();
    }
  });

  it('refuses a missing file and a text file', () => {
    const { root, dbPath, safetyDir } = setup(2);
    expectRefused(
      () => restoreDatabase({ file: path.join(root, 'missing.db'), dbPath, safetyDir }),
      /does not exist/,
      dbPath,
      safetyDir,
    );
    const text = path.join(root, 'notes.db');
    writeFileSync(text, 'These are my notes, not a database.\n'.repeat(20));
    expectRefused(
      () => restoreDatabase({ file: text, dbPath, safetyDir }),
      /is not a SQLite database/,
      dbPath,
      safetyDir,
    );
    const tiny = path.join(root, 'tiny.db');
    writeFileSync(tiny, 'SQLite');
    expectRefused(
      () => restoreDatabase({ file: tiny, dbPath, safetyDir }),
      /not a SQLite database/,
      dbPath,
      safetyDir,
    );
    expectRefused(
      () => restoreDatabase({ file: dbPath, dbPath, safetyDir }),
      /is the current database itself/,
      dbPath,
      safetyDir,
    );
    expect(() => restoreDatabase({ file: ' ', dbPath, safetyDir })).toThrow(MaintenanceError);
  });

  it('refuses the live database under another name and its -wal, without reading them', () => {
    const { root, dbPath, safetyDir } = setup(2);
    const link = path.join(root, 'looks-like-a-backup.db');
    linkSync(dbPath, link);
    expectRefused(
      () => restoreDatabase({ file: link, dbPath, safetyDir }),
      /is the current database itself/,
      dbPath,
      safetyDir,
    );
    const open = openSqlite(dbPath);
    try {
      insertProjects(open, 1, 'In the log');
      expect(() => restoreDatabase({ file: `${dbPath}-wal`, dbPath, safetyDir })).toThrow(
        /is the -wal of the current database/,
      );
      expect(open.prepare('SELECT count(*) AS n FROM ProjectStates').get()).toEqual({ n: 3 });
    } finally {
      open.close();
    }
    expect(projectCount(dbPath)).toBe(3);
  });

  it('refuses a SQLite file that is not an Aura database', () => {
    const { root, dbPath, safetyDir } = setup(2);
    const other = path.join(root, 'other.db');
    const s = new Database(other);
    s.exec(
      'CREATE TABLE Notes (Id INTEGER PRIMARY KEY, Body TEXT); INSERT INTO Notes (Body) VALUES (1)',
    );
    s.close();
    expectRefused(
      () => restoreDatabase({ file: other, dbPath, safetyDir }),
      /not an Aura database/,
      dbPath,
      safetyDir,
    );
  });

  it('refuses a corrupted backup', () => {
    const { root, dbPath, backups, safetyDir } = setup(50);
    const { file } = backupDatabase({ dbPath, dir: backups });
    const damaged = path.join(root, 'damaged.db');
    copyFileSync(file, damaged);
    // Overwrite pages in the middle of the copy with garbage.
    const size = statSync(damaged).size;
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    expectRefused(
      () => restoreDatabase({ file: damaged, dbPath, safetyDir }),
      /is damaged/,
      dbPath,
      safetyDir,
    );
  });

  it('refuses a backup made by a newer version (unknown migrations)', () => {
    const { root, dbPath, backups, safetyDir } = setup(1);
    const { file } = backupDatabase({ dbPath, dir: backups });
    const newer = path.join(root, 'newer.db');
    copyFileSync(file, newer);
    const s = new Database(newer);
    s.prepare(
      `INSERT INTO __MigrationsHistory (MigrationId, Hash, AppliedAt) VALUES (?, ?, ?)`,
    ).run('0042_from_the_future', 'f'.repeat(64), '2030-01-01T00:00:00.000Z');
    s.close();
    expectRefused(
      () => restoreDatabase({ file: newer, dbPath, safetyDir }),
      /newer version of Aura.*0042_from_the_future.*Restore it with that newer version/,
      dbPath,
      safetyDir,
    );
  });

  it('reports migrations an older backup still needs', () => {
    const { root, dbPath, backups, safetyDir } = setup(1);
    const { file } = backupDatabase({ dbPath, dir: backups });
    const older = path.join(root, 'older.db');
    copyFileSync(file, older);
    const s = new Database(older);
    s.exec(`DELETE FROM __MigrationsHistory`);
    s.close();
    const result = restoreDatabase({ file: older, dbPath, safetyDir });
    expect(result.pendingMigrations).toEqual(loadMigrations().map((m) => m.tag));
  });

  it('restores into a missing database (no safety copy) and can undo a restore', () => {
    const { root, dbPath, backups, safetyDir } = setup(2);
    const { file } = backupDatabase({ dbPath, dir: backups });
    const fresh = path.join(root, 'elsewhere', 'new.db');
    const first = restoreDatabase({ file, dbPath: fresh, safetyDir });
    expect(first.safetyCopy).toBeNull();
    expect(projectCount(fresh)).toBe(2);

    withDb(dbPath, (s) => insertProjects(s, 3, 'Later'));
    const second = restoreDatabase({
      file,
      dbPath,
      safetyDir,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(projectCount(dbPath)).toBe(2);
    // Undo: restore the safety copy.
    const undo = restoreDatabase({
      file: second.safetyCopy!,
      dbPath,
      safetyDir,
      now: new Date('2026-01-01T00:00:01Z'),
    });
    expect(projectCount(dbPath)).toBe(5);
    expect(listBackups(safetyDir).map((b) => b.file)).toEqual([undo.safetyCopy, second.safetyCopy]);
  });

  it('replaces a database SQLite cannot read, keeping its bytes', () => {
    const { root, backups, safetyDir } = setup(0);
    const good = path.join(root, 'good.db');
    createDatabase(good, 2);
    const { file } = backupDatabase({ dbPath: good, dir: backups });
    const broken = path.join(root, 'broken', 'aura.db');
    createDatabase(broken, 0);
    writeFileSync(broken, 'garbage garbage garbage '.repeat(100));
    const result = restoreDatabase({
      file,
      dbPath: broken,
      safetyDir,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(result.safetyCopy).toBe(
      path.join(safetyDir, 'aura_pre_restore_20260101_000000.damaged.db'),
    );
    expect(readFileSync(result.safetyCopy!, 'utf8')).toBe('garbage garbage garbage '.repeat(100));
    expect(projectCount(broken)).toBe(2);
  });

  it('refuses when the safety copy cannot be written, changing nothing', () => {
    const { root, dbPath, backups } = setup(2);
    const { file } = backupDatabase({ dbPath, dir: backups });
    const blocker = path.join(root, 'blocker');
    writeFileSync(blocker, 'x');
    expectRefused(
      () => restoreDatabase({ file, dbPath, safetyDir: path.join(blocker, 'safety') }),
      /Cannot create the backup directory/,
      dbPath,
      path.join(blocker, 'safety'),
    );
    expect(isDatabaseInUse(dbPath)).toBe(false); // the lock was released
  });
});
