import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUSY_TIMEOUT_MS, databasePath, openSqlite, workspaceRoot } from '../src';
import { tempDir } from './helpers';

const savedEnv = { ...process.env };
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('connection factory', () => {
  it('sets WAL, foreign keys, busy timeout and synchronous on every new connection', () => {
    const file = path.join(tempDir(), 'pragmas.db');
    for (let i = 0; i < 2; i++) {
      const sqlite = openSqlite(file);
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
      expect(sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
      sqlite.close();
    }
  });

  it('takes synchronous from AURA_DB_SYNCHRONOUS and the busy timeout from the caller', () => {
    process.env.AURA_DB_SYNCHRONOUS = 'normal';
    const sqlite = openSqlite(path.join(tempDir(), 'env.db'), { busyTimeoutMs: 250 });
    expect(sqlite.pragma('synchronous', { simple: true })).toBe(1);
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(250);
    sqlite.close();
  });

  it('creates the database folder when missing', () => {
    const file = path.join(tempDir(), 'nested', 'deeper', 'aura.db');
    const sqlite = openSqlite(file);
    expect(sqlite.name).toBe(file);
    sqlite.close();
  });

  it('resolves AURA_DB_PATH against the workspace root, default data/aura.db', () => {
    delete process.env.AURA_DB_PATH;
    expect(databasePath()).toBe(path.join(workspaceRoot(), 'data', 'aura.db'));
    process.env.AURA_DB_PATH = 'var/custom.db';
    expect(databasePath()).toBe(path.join(workspaceRoot(), 'var', 'custom.db'));
    process.env.AURA_DB_PATH = '/abs/aura.db';
    expect(databasePath()).toBe('/abs/aura.db');
  });

  it('a second writer waits for the first instead of failing (busy timeout)', () => {
    const file = path.join(tempDir(), 'busy.db');
    const a = openSqlite(file);
    a.exec('CREATE TABLE t (x integer)');
    const b = openSqlite(file, { busyTimeoutMs: 0 });
    a.exec('BEGIN IMMEDIATE');
    expect(() => b.exec('BEGIN IMMEDIATE')).toThrow(/database is locked/);
    a.exec('COMMIT');
    b.exec('BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT');
    expect(a.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    a.close();
    b.close();
  });
});
