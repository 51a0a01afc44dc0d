import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MaintenanceError } from '../../src/errors';
import {
  DEFAULT_CHECKS,
  assertDatabaseVerified,
  backupDatabase,
  formatVerifyReport,
  verifyDatabase,
  type VerifyResult,
} from '../../src/maintenance';
import { cleanup, createDatabase, sha256File, tempDir, withDb } from './helpers';

afterEach(cleanup);

function setup(projects = 2) {
  const root = tempDir();
  const dbPath = path.join(root, 'aura.db');
  createDatabase(dbPath, projects);
  return { root, dbPath };
}

function check(result: VerifyResult, name: RegExp) {
  const found = result.checks.find((c) => name.test(c.name));
  if (!found) throw new Error(`no check ${name} in ${result.checks.map((c) => c.name).join(', ')}`);
  return found;
}

/** Raw connection with foreign keys off, like a careless sqlite3 shell session. */
function tamper(file: string, sql: string): void {
  const s = new Database(file);
  try {
    s.pragma('foreign_keys = OFF');
    s.exec(sql);
  } finally {
    s.close();
  }
}

describe('verifyDatabase', () => {
  it('passes a clean, migrated database and does not change it', () => {
    const { dbPath } = setup();
    const hash = sha256File(dbPath);
    const result = verifyDatabase({ dbPath });
    expect(result.ok).toBe(true);
    expect(result.dbPath).toBe(dbPath);
    expect(result.checks.map((c) => c.name)).toEqual([
      'Database file exists and is readable',
      ...DEFAULT_CHECKS.map((c) => c.name),
    ]);
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(sha256File(dbPath)).toBe(hash);

    const report = formatVerifyReport(result);
    expect(report).toContain(`Database check of ${dbPath}`);
    expect(report).toMatch(/^✔ Integrity \(PRAGMA integrity_check\)$/m);
    expect(report).toMatch(/^✔ Schema matches the migrations$/m);
    expect(report).not.toContain('✘');
    expect(report).toContain(`All ${result.checks.length} checks passed.`);
    expect(() => assertDatabaseVerified({ dbPath })).not.toThrow();
  });

  it('reports a dropped index, naming it', () => {
    const { dbPath } = setup();
    tamper(dbPath, 'DROP INDEX IX_ProjectStates_Status');
    const result = verifyDatabase({ dbPath });
    expect(result.ok).toBe(false);
    const schema = check(result, /Schema/);
    expect(schema.ok).toBe(false);
    expect(schema.details).toEqual(['index IX_ProjectStates_Status on ProjectStates is missing']);
    expect(check(result, /Integrity/).ok).toBe(true);

    const report = formatVerifyReport(result);
    expect(report).toMatch(
      /^✘ Schema matches the migrations\n {4}index IX_ProjectStates_Status on ProjectStates is missing$/m,
    );
    expect(report).toContain('1 of 6 checks failed.');
    expect(() => assertDatabaseVerified({ dbPath })).toThrow(MaintenanceError);
  });

  it('reports an added column', () => {
    const { dbPath } = setup();
    tamper(dbPath, 'ALTER TABLE ProjectStates ADD COLUMN Nickname TEXT');
    const result = verifyDatabase({ dbPath });
    expect(result.ok).toBe(false);
    expect(check(result, /Schema/).details).toContain(
      'column ProjectStates.Nickname is not in the migrations',
    );
  });

  it('reports an extra table and index', () => {
    const { dbPath } = setup();
    tamper(dbPath, 'CREATE TABLE Scratch (x); CREATE INDEX IX_Mine ON ProjectStates (Title)');
    const details = check(verifyDatabase({ dbPath }), /Schema/).details;
    expect(details).toContain('table Scratch is not in the migrations');
    expect(details).toContain('index IX_Mine on ProjectStates is not in the migrations');
  });

  it('reports an applied migration whose hash changed as modified', () => {
    const { dbPath } = setup();
    tamper(
      dbPath,
      `UPDATE __MigrationsHistory SET Hash = '${'0'.repeat(64)}' WHERE MigrationId = '0000_initial_create'`,
    );
    const result = verifyDatabase({ dbPath });
    expect(result.ok).toBe(false);
    const migrations = check(result, /Migrations/);
    expect(migrations.ok).toBe(false);
    expect(migrations.details).toHaveLength(1);
    expect(migrations.details[0]).toMatch(
      /^modified: 0000_initial_create was changed after it was applied \(applied hash 000000000000…/,
    );
    expect(check(result, /Schema/).ok).toBe(true);
  });

  it('reports a migration missing from the history as pending', () => {
    const { dbPath } = setup();
    tamper(dbPath, `DELETE FROM __MigrationsHistory WHERE MigrationId = '0000_initial_create'`);
    const migrations = check(verifyDatabase({ dbPath }), /Migrations/);
    expect(migrations.ok).toBe(false);
    expect(migrations.details).toEqual([
      'pending: 0000_initial_create is not applied (run db:migrate)',
    ]);
  });

  it('reports applied migrations this code does not know', () => {
    const { dbPath } = setup();
    tamper(
      dbPath,
      `INSERT INTO __MigrationsHistory VALUES ('0042_from_the_future', '${'a'.repeat(64)}', '2030-01-01T00:00:00.000Z')`,
    );
    expect(check(verifyDatabase({ dbPath }), /Migrations/).details).toEqual([
      'unknown: 0042_from_the_future is applied but not part of this code (the database was migrated by a newer version)',
    ]);
  });

  it('lists foreign key violations inserted with foreign keys off', () => {
    const { dbPath } = setup();
    tamper(
      dbPath,
      `INSERT INTO SceneStates (Id, ProjectId, SceneIndex, ScriptText) VALUES ('scene-orphan', 'no-such-project', 0, 'Hello')`,
    );
    const result = verifyDatabase({ dbPath });
    expect(result.ok).toBe(false);
    const fk = check(result, /Foreign keys/);
    expect(fk.ok).toBe(false);
    expect(fk.details).toEqual([
      'SceneStates row Id=scene-orphan (ProjectId = no-such-project) references a missing ProjectStates row',
    ]);
  });

  it('reports a damaged file through integrity_check', () => {
    const { root, dbPath } = setup(200);
    const { file } = backupDatabase({ dbPath, dir: path.join(root, 'b') });
    const damaged = path.join(root, 'damaged.db');
    copyFileSync(file, damaged);
    const size = statSync(damaged).size;
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const result = verifyDatabase({ dbPath: damaged });
    expect(result.ok).toBe(false);
    const integrity = check(result, /Integrity/);
    expect(integrity.ok).toBe(false);
    expect(integrity.details.length).toBeGreaterThan(0);
    expect(integrity.details.join('\n')).not.toContain('*** in database');
  });

  it('reports a missing, empty or non-SQLite file without running the other checks', () => {
    const { root } = setup();
    const missing = verifyDatabase({ dbPath: path.join(root, 'missing.db') });
    expect(missing.ok).toBe(false);
    expect(missing.checks).toHaveLength(1);
    expect(missing.checks[0]!.details[0]).toMatch(/missing\.db does not exist/);

    const empty = path.join(root, 'empty.db');
    writeFileSync(empty, '');
    expect(verifyDatabase({ dbPath: empty }).checks[0]!.details[0]).toMatch(/is empty/);

    const text = path.join(root, 'text.db');
    writeFileSync(text, 'not a database '.repeat(10));
    expect(verifyDatabase({ dbPath: text }).checks[0]!.details[0]).toMatch(/not a SQLite database/);

    const folder = path.join(root, 'folder.db');
    mkdirSync(folder);
    expect(verifyDatabase({ dbPath: folder }).checks[0]!.details[0]).toMatch(/is not a file/);
    expect(formatVerifyReport(missing)).toMatch(
      /^✘ Database file exists and is readable\n {4}.*does not exist/m,
    );
  });

  it('runs extra checks, and a check that throws fails alone', () => {
    const { dbPath } = setup(3);
    const result = verifyDatabase({
      dbPath,
      checks: [
        ...DEFAULT_CHECKS,
        {
          name: 'Projects counted',
          run: ({ sqlite }) => {
            const { n } = sqlite.prepare('SELECT count(*) AS n FROM ProjectStates').get() as {
              n: number;
            };
            return { ok: n === 3, details: [`${n} projects`] };
          },
        },
        {
          name: 'Broken check',
          run: () => {
            throw new Error('boom');
          },
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(check(result, /Projects counted/)).toEqual({
      name: 'Projects counted',
      ok: true,
      details: ['3 projects'],
    });
    expect(check(result, /Broken check/)).toEqual({
      name: 'Broken check',
      ok: false,
      details: ['the check could not run: boom'],
    });
    expect(result.checks.filter((c) => !c.ok)).toHaveLength(1);
  });

  it('verifies a database another connection is writing to', () => {
    const { dbPath } = setup(1);
    withDb(dbPath, (s) => {
      s.exec('BEGIN IMMEDIATE');
      s.prepare(`INSERT INTO ProjectStates (Id, Title) VALUES ('p-open', 'Uncommitted')`).run();
      expect(verifyDatabase({ dbPath }).ok).toBe(true);
      s.exec('ROLLBACK');
    });
  });
});
