import { loadMigrations } from '@aura/db';
import { afterEach, describe, expect, it } from 'vitest';
import { getHealth } from '../src';
import { insertProject, openTestDb, type TestDb } from './helpers';

let t: TestDb | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

describe('health', () => {
  it('reports a reachable, up-to-date database with its file and WAL sizes', async () => {
    t = openTestDb();
    insertProject(t.db, { title: 'Something to write' });
    const health = await t.caller.health.get();
    const known = loadMigrations().length;
    expect(health.ok).toBe(true);
    expect(health.database).toMatchObject({ reachable: true, path: t.file, error: null });
    expect(health.database.sizeBytes).toBeGreaterThan(0);
    // WAL mode: the insert is in the -wal file until a checkpoint.
    expect(health.database.walSizeBytes).toBeGreaterThan(0);
    expect(health.migrations).toEqual({
      upToDate: true,
      known,
      applied: known,
      pending: [],
      unknown: [],
      modified: [],
      error: null,
    });
    expect(Date.parse(health.checkedAt)).not.toBeNaN();
  });

  it('reports pending migrations on an unmigrated database', async () => {
    t = openTestDb({ migrate: false });
    const health = await t.caller.health.get();
    expect(health.ok).toBe(false);
    expect(health.database.reachable).toBe(true);
    expect(health.migrations.upToDate).toBe(false);
    expect(health.migrations.applied).toBe(0);
    expect(health.migrations.pending).toEqual(loadMigrations().map((m) => m.tag));
  });

  it('reports an unknown applied migration (database newer than the code)', () => {
    t = openTestDb();
    t.db.$client
      .prepare(`INSERT INTO "__MigrationsHistory" (MigrationId, Hash, AppliedAt) VALUES (?, ?, ?)`)
      .run('9999_from_the_future', 'x', new Date().toISOString());
    const health = getHealth(t.db);
    expect(health.ok).toBe(false);
    expect(health.migrations.unknown).toEqual(['9999_from_the_future']);
  });

  it('reports an unreachable database instead of throwing', () => {
    t = openTestDb();
    t.db.$client.close();
    const health = getHealth(t.db);
    expect(health.ok).toBe(false);
    expect(health.database.reachable).toBe(false);
    expect(health.database.error).toMatch(/not open/i);
  });
});
