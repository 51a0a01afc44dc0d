import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MaintenanceError } from '../../src/errors';
import { HISTORY_TABLE } from '../../src/migrations';
import { backupDatabase, listBackups, verifyDatabase } from '../../src/maintenance';
import {
  cleanup,
  createDatabase,
  listDir,
  projectCount,
  readOnly,
  spawnFixture,
  tempDir,
  waitForExit,
  waitForLine,
} from './helpers';

afterEach(cleanup);

const at = (iso: string) => new Date(iso);

function setup(projects = 3) {
  const root = tempDir();
  const dbPath = path.join(root, 'aura.db');
  const dir = path.join(root, 'backups');
  createDatabase(dbPath, projects);
  return { root, dbPath, dir };
}

describe('backupDatabase', () => {
  it('writes <prefix>_YYYYMMDD_HHMMSS.db in UTC that passes integrity and holds the data', () => {
    const { dbPath, dir } = setup(3);
    const result = backupDatabase({ dbPath, dir, now: at('2026-11-22T10:04:05.678Z') });

    expect(result.file).toBe(path.join(dir, 'aura_backup_20261122_100405.db'));
    expect(result.sizeBytes).toBe(statSync(result.file).size);
    expect(result.sizeBytes).toBeGreaterThan(0);
    expect(result.pruned).toEqual([]);
    readOnly(result.file, (s) => {
      expect(s.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(
        s.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = ?`).get(HISTORY_TABLE),
      ).toEqual({ n: 1 });
    });
    expect(projectCount(result.file)).toBe(3);
    expect(verifyDatabase({ dbPath: result.file }).ok).toBe(true);
    // Only the backup: no temporary file left behind, nothing next to it.
    expect(listDir(dir)).toEqual(['aura_backup_20261122_100405.db']);
  });

  it('adds _2, _3 when two backups fall in the same second, never overwriting', () => {
    const { dbPath, dir } = setup(1);
    const now = at('2026-01-02T03:04:05Z');
    const a = backupDatabase({ dbPath, dir, now });
    const b = backupDatabase({ dbPath, dir, now });
    const c = backupDatabase({ dbPath, dir, now, prefix: 'nightly' });
    const d = backupDatabase({ dbPath, dir, now });
    expect(path.basename(a.file)).toBe('aura_backup_20260102_030405.db');
    expect(path.basename(b.file)).toBe('aura_backup_20260102_030405_2.db');
    expect(path.basename(c.file)).toBe('nightly_20260102_030405.db');
    expect(path.basename(d.file)).toBe('aura_backup_20260102_030405_3.db');
    expect(listBackups(dir, 'aura_backup').map((x) => x.name)).toEqual([
      'aura_backup_20260102_030405_3.db',
      'aura_backup_20260102_030405_2.db',
      'aura_backup_20260102_030405.db',
    ]);
  });

  it('keeps the newest `keep` backups of its prefix and touches no other file', () => {
    const { dbPath, dir } = setup(1);
    mkdirSync(dir, { recursive: true });
    const others = [
      'notes.txt',
      'aura_backup_manual.db',
      'aura_backup_20200101_000000.db.bak',
      'aura_pre_restore_20200101_000000.db',
      'other_20200101_000000.db',
      'aura_backup_2020_01_01.db',
    ];
    for (const name of others) writeFileSync(path.join(dir, name), 'keep me');
    mkdirSync(path.join(dir, 'aura_backup_20000101_000000.db')); // a folder with a backup's name

    const made = [1, 2, 3, 4, 5].map((day) =>
      backupDatabase({ dbPath, dir, keep: 3, now: at(`2026-03-0${day}T12:00:00Z`) }),
    );
    expect(made[0]!.pruned).toEqual([]);
    expect(made[3]!.pruned).toEqual([made[0]!.file]);
    expect(made[4]!.pruned).toEqual([made[1]!.file]);

    expect(listBackups(dir, 'aura_backup').map((b) => b.name)).toEqual([
      'aura_backup_20260305_120000.db',
      'aura_backup_20260304_120000.db',
      'aura_backup_20260303_120000.db',
    ]);
    expect(listDir(dir)).toEqual(
      [
        ...others,
        'aura_backup_20000101_000000.db',
        'aura_backup_20260303_120000.db',
        'aura_backup_20260304_120000.db',
        'aura_backup_20260305_120000.db',
      ].sort(),
    );
  });

  it('never prunes the backup it just wrote, even with an older timestamp', () => {
    const { dbPath, dir } = setup(1);
    backupDatabase({ dbPath, dir, keep: 1, now: at('2026-05-01T00:00:00Z') });
    const old = backupDatabase({ dbPath, dir, keep: 1, now: at('2026-04-01T00:00:00Z') });
    expect(listDir(dir)).toContain(path.basename(old.file));
  });

  it('never prunes the live database, even when it is named like an old backup', () => {
    const root = tempDir();
    const dir = path.join(root, 'backups');
    const dbPath = path.join(dir, 'aura_backup_20200101_000000.db');
    createDatabase(dbPath, 2);
    const first = backupDatabase({ dbPath, dir, keep: 1, now: at('2026-11-22T10:00:00Z') });
    expect(first.pruned).toEqual([]);
    const second = backupDatabase({ dbPath, dir, keep: 1, now: at('2026-11-22T11:00:00Z') });
    expect(second.pruned).toEqual([first.file]);
    expect(projectCount(dbPath)).toBe(2);
  });

  it('lists backups newest first with size and time', () => {
    const { dbPath, dir } = setup(1);
    backupDatabase({ dbPath, dir, now: at('2026-02-01T08:00:00Z') });
    backupDatabase({ dbPath, dir, now: at('2026-02-03T08:00:00Z'), prefix: 'aura_pre_restore' });
    backupDatabase({ dbPath, dir, now: at('2026-02-02T08:00:00Z') });
    const all = listBackups(dir);
    expect(all.map((b) => b.name)).toEqual([
      'aura_pre_restore_20260203_080000.db',
      'aura_backup_20260202_080000.db',
      'aura_backup_20260201_080000.db',
    ]);
    expect(all[0]!.prefix).toBe('aura_pre_restore');
    expect(all[0]!.createdAt.toISOString()).toBe('2026-02-03T08:00:00.000Z');
    expect(all[0]!.sizeBytes).toBe(statSync(all[0]!.file).size);
    expect(listBackups(dir, 'aura_backup')).toHaveLength(2);
    expect(listBackups(path.join(dir, 'missing'))).toEqual([]);
  });

  it('refuses a backup directory that cannot be created, naming it', () => {
    const { root, dbPath } = setup(1);
    const blocker = path.join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const dir = path.join(blocker, 'backups');
    expect(() => backupDatabase({ dbPath, dir })).toThrow(MaintenanceError);
    expect(() => backupDatabase({ dbPath, dir })).toThrow(dir);
    expect(() => backupDatabase({ dbPath, dir: blocker })).toThrow(/backup directory .*a-file/);
    expect(listDir(root).sort()).toEqual(['a-file', 'aura.db']);
  });

  it('refuses a missing or non-SQLite database and bad options', () => {
    const { root, dbPath, dir } = setup(1);
    const missing = path.join(root, 'nope.db');
    expect(() => backupDatabase({ dbPath: missing, dir })).toThrow(MaintenanceError);
    expect(() => backupDatabase({ dbPath: missing, dir })).toThrow(/no database at .*nope\.db/);
    const text = path.join(root, 'text.db');
    writeFileSync(text, 'hello, this is not a database at all');
    expect(() => backupDatabase({ dbPath: text, dir })).toThrow(/not a SQLite database/);
    const empty = path.join(root, 'empty.db');
    writeFileSync(empty, '');
    expect(() => backupDatabase({ dbPath: empty, dir })).toThrow(/is empty/);
    expect(() => backupDatabase({ dbPath, dir, keep: 0 })).toThrow(/keep must be/);
    expect(() => backupDatabase({ dbPath, dir, keep: 1.5 })).toThrow(MaintenanceError);
    expect(() => backupDatabase({ dbPath, dir, prefix: '../evil' })).toThrow(
      /Invalid backup prefix/,
    );
    expect(() => backupDatabase({ dbPath, dir, now: new Date('nonsense') })).toThrow(
      MaintenanceError,
    );
    expect(listBackups(dir)).toEqual([]);
  });

  it('takes consistent snapshots while another process keeps writing', async () => {
    const { dbPath, dir } = setup(0);
    const writer = spawnFixture('writer.ts', [dbPath, '3000']);
    await waitForLine(writer, 'ready');

    const counts: number[] = [];
    const files: string[] = [];
    while (writer.exitCode === null && counts.length < 12) {
      const { file } = backupDatabase({ dbPath, dir, keep: 100 });
      files.push(file);
      readOnly(file, (s) => expect(s.pragma('integrity_check', { simple: true })).toBe('ok'));
      const verified = verifyDatabase({ dbPath: file });
      expect(verified.ok, JSON.stringify(verified.checks)).toBe(true);
      counts.push(projectCount(file));
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(await waitForExit(writer)).toBe(0);

    expect(counts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(files).size).toBe(files.length);
    for (let i = 0; i < counts.length; i++) {
      // Two rows per transaction: a torn snapshot would show an odd count.
      expect(counts[i]! % 2).toBe(0);
      if (i > 0) expect(counts[i]!).toBeGreaterThanOrEqual(counts[i - 1]!);
    }
    expect(counts[0]!).toBeGreaterThan(0);
    expect(counts[counts.length - 1]!).toBeGreaterThan(counts[0]!);
    expect(projectCount(dbPath)).toBeGreaterThanOrEqual(counts[counts.length - 1]!);
  });
});
