import { createDb, loadMigrations, migrationStatus, openSqlite } from '@aura/db';
import type * as AuraDbModule from '@aura/db';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getHealth } from '../src/health/service';
import { insertProject, openTestDb, type TestDb } from './helpers';

// Counts how often the migration files and the applied list are read (a pass-through otherwise).
vi.mock('@aura/db', async (importOriginal) => {
  const actual = await importOriginal<typeof AuraDbModule>();
  return {
    ...actual,
    loadMigrations: vi.fn(actual.loadMigrations),
    migrationStatus: vi.fn(actual.migrationStatus),
  };
});

let t: TestDb | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

describe('health', () => {
  it('reports a reachable, up-to-date database with its file and WAL sizes', async () => {
    t = openTestDb();
    insertProject(t.db, { title: 'Something to write' });
    const health = await t.as('admin').health.details();
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

  it('reports pending migrations on an unmigrated database', () => {
    t = openTestDb({ migrate: false });
    const health = getHealth(t.db);
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

  it('tells anonymous callers only ok or degraded, with no path, sizes or migration names', async () => {
    t = openTestDb();
    const health = await t.anonymous.health.get();
    expect(health).toEqual({ ok: true, status: 'ok', checkedAt: expect.any(String) });
    expect(JSON.stringify(health)).not.toContain(t.dir);

    t.db.$client
      .prepare(`INSERT INTO "__MigrationsHistory" (MigrationId, Hash, AppliedAt) VALUES (?, ?, ?)`)
      .run('9999_from_the_future', 'x', new Date().toISOString());
    expect(await t.anonymous.health.get()).toMatchObject({ ok: false, status: 'degraded' });
  });

  it('shows details to signed-in users and the database path to admins only', async () => {
    t = openTestDb();
    await expect(t.anonymous.health.details()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    for (const role of ['viewer', 'editor'] as const) {
      const health = await t.as(role).health.details();
      expect(health.migrations.upToDate).toBe(true);
      expect(health.database.path).toBeNull();
      expect(JSON.stringify(health)).not.toContain(t.dir);
    }
    expect((await t.as('admin').health.details()).database.path).toBe(t.file);
  });

  it('reads the migration files at most once a minute, the applied list on every call', async () => {
    t = openTestDb();
    getHealth(t.db);
    const reads = vi.mocked(loadMigrations).mock.calls.length;
    for (let i = 0; i < 5; i++) await t.anonymous.health.get();
    expect(vi.mocked(loadMigrations).mock.calls.length).toBe(reads);
    // A migration applied by another process shows at once.
    t.db.$client
      .prepare(
        `DELETE FROM "__MigrationsHistory" WHERE rowid = (SELECT max(rowid) FROM "__MigrationsHistory")`,
      )
      .run();
    expect(getHealth(t.db).migrations.pending).toHaveLength(1);
  });

  it('computes the migration state only when the database changed, from any connection', async () => {
    t = openTestDb();
    getHealth(t.db);
    const computed = vi.mocked(migrationStatus).mock.calls.length;
    for (let i = 0; i < 20; i++) await t.anonymous.health.get();
    expect(vi.mocked(migrationStatus).mock.calls.length).toBe(computed);

    // Another connection (a db:migrate elsewhere) rolls a migration back: seen on the next call.
    const other = createDb(openSqlite(t.file));
    try {
      other.$client
        .prepare(
          `DELETE FROM "__MigrationsHistory" WHERE rowid = (SELECT max(rowid) FROM "__MigrationsHistory")`,
        )
        .run();
      expect(await t.anonymous.health.get()).toMatchObject({ ok: false, status: 'degraded' });
      expect(getHealth(t.db).migrations.pending).toHaveLength(1);
    } finally {
      other.$client.close();
    }
  });
});
