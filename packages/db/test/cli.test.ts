import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../src';
import { tempDir } from './helpers';

const PACKAGE_DIR = path.resolve(import.meta.dirname, '..');
const TSX = path.join(PACKAGE_DIR, 'node_modules', '.bin', 'tsx');

/** Runs the db CLI the way `pnpm db:<command>` does, on a database of the test's own. */
function cli(dbPath: string, ...args: string[]) {
  const result = spawnSync(TSX, ['src/cli.ts', ...args], {
    cwd: PACKAGE_DIR,
    env: {
      ...process.env,
      AURA_DB_PATH: dbPath,
      AURA_BACKUP_DIR: path.join(path.dirname(dbPath), 'backups'),
    },
    encoding: 'utf8',
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('db CLI', () => {
  it('migrate, status, verify, backup, script: the happy path', () => {
    const dir = tempDir();
    const db = path.join(dir, 'aura.db');

    const first = cli(db, 'migrate');
    expect(first.code).toBe(0);
    expect(first.out).toContain('Applied 0000_initial_create');
    expect(first.out).toMatch(/Seeded \d+ system template/);
    const second = cli(db, 'migrate');
    expect(second.code).toBe(0);
    expect(second.out).toContain('Nothing to migrate');

    const status = cli(db, 'status');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/applied\s+0000_initial_create\s+\(\d{4}-\d{2}-\d{2}T/);

    expect(cli(db, 'verify').code).toBe(0);

    const backup = cli(db, 'backup', '--keep', '3');
    expect(backup.code).toBe(0);
    expect(
      readdirSync(path.join(dir, 'backups')).some((f) => /^aura_backup_\d{8}_\d{6}\.db$/.test(f)),
    ).toBe(true);

    const scriptFile = path.join(dir, 'all-migrations.sql');
    expect(cli(db, 'script', scriptFile).code).toBe(0);
    expect(readFileSync(scriptFile, 'utf8')).toContain('CREATE TABLE `ProjectStates`');
  }, 60_000);

  it('status on a database that does not exist lists everything as pending and creates nothing', () => {
    const db = path.join(tempDir(), 'none.db');
    const status = cli(db, 'status');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/pending\s+0000_initial_create/);
    expect(existsSync(db)).toBe(false);
  }, 30_000);

  it('bad input: clear message, non-zero exit, nothing changed', () => {
    const dir = tempDir();
    const db = path.join(dir, 'aura.db');
    cli(db, 'migrate');
    const sizeBefore = readFileSync(db).length;

    const noArg = cli(db, 'rollback');
    expect(noArg.code).toBe(2);
    expect(noArg.err).toContain('Missing migration name');

    const unknown = cli(db, 'rollback', 'no_such_migration');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('Unknown migration "no_such_migration"');

    const badKeep = cli(db, 'backup', '--keep', 'zero');
    expect(badKeep.code).toBe(2);
    expect(badKeep.err).toContain('--keep must be a whole number');

    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const unwritable = cli(db, 'backup', path.join(blocker, 'backups'));
    expect(unwritable.code).toBe(1);
    expect(unwritable.err).toMatch(/^Error: .*a-file/m);

    const missing = cli(db, 'restore', path.join(dir, 'missing.db'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^Error: /m);

    const noFolder = cli(db, 'script', path.join(dir, 'no', 'such', 'dir', 'x.sql'));
    expect(noFolder.code).toBe(2);
    expect(noFolder.err).toContain('does not exist');

    const unknownCommand = cli(db, 'explode');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.err).toContain('Unknown command "explode"');

    expect(readFileSync(db).length).toBe(sizeBefore);
    expect(cli(db, 'verify').code).toBe(0);
  }, 90_000);

  it('migrate refuses, exit 1, when an applied migration was modified, changing nothing', () => {
    const dir = tempDir();
    const db = path.join(dir, 'aura.db');
    expect(cli(db, 'migrate').code).toBe(0);
    // The history's hash stands for the file as applied: a different one is a modified file.
    const sqlite = openSqlite(db);
    sqlite
      .prepare('UPDATE __MigrationsHistory SET Hash = ? WHERE MigrationId = ?')
      .run('0'.repeat(64), '0002_worker_heartbeats_and_list_indexes');
    const historyBefore = sqlite.prepare('SELECT * FROM __MigrationsHistory ORDER BY 1').all();
    sqlite.close();

    const migrate = cli(db, 'migrate');
    expect(migrate.code).toBe(1);
    expect(migrate.out).not.toContain('Nothing to migrate');
    expect(migrate.err).toContain(
      '0002_worker_heartbeats_and_list_indexes was changed after it was applied (applied hash 000000000000…',
    );
    expect(migrate.err).toContain('Nothing was migrated');
    // Nothing changed: no migration recorded, no safety backup taken.
    const after = openSqlite(db);
    expect(after.prepare('SELECT * FROM __MigrationsHistory ORDER BY 1').all()).toEqual(
      historyBefore,
    );
    after.close();
    expect(existsSync(path.join(dir, 'backups'))).toBe(false);

    const status = cli(db, 'status');
    expect(status.out).toMatch(/0002_worker_heartbeats_and_list_indexes .*MODIFIED/);
    expect(cli(db, 'verify').code).toBe(1);
  }, 60_000);

  it('verify exits non-zero and names what was tampered with', () => {
    const db = path.join(tempDir(), 'aura.db');
    cli(db, 'migrate');
    const sqlite = openSqlite(db);
    sqlite.exec('DROP INDEX IX_ExportHistory_Status_CreatedAt');
    sqlite.close();
    const verify = cli(db, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.out + verify.err).toContain('IX_ExportHistory_Status_CreatedAt');
  }, 30_000);
});
