import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  HISTORY_TABLE,
  MaintenanceError,
  appliedMigrations,
  applyMigrations,
  compareSchemas,
  createDb,
  describeSchema,
  insertAudited,
  loadMigrations,
  migrateDatabase,
  migrationScript,
  migrationStatus,
  migrationsDirectory,
  openSqlite,
  projectStates,
  resolveMigrationTarget,
  rollbackDatabase,
  rollbackMigrations,
  schemaObjects,
  sceneStates,
  userTables,
} from '../src';
import { migratedDatabase, tempDir } from './helpers';

/** A copy of the real migrations plus extra ones, to exercise multi-step runs and rollbacks. */
function migrationsWith(extra: { name: string; up: string; down: string }[]): string {
  const dir = path.join(tempDir(), 'migrations');
  cpSync(migrationsDirectory(), dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: object[] };
  for (const m of extra) {
    const idx = journal.entries.length;
    const tag = `${String(idx).padStart(4, '0')}_${m.name}`;
    journal.entries.push({ idx, version: '6', when: Date.now(), tag, breakpoints: true });
    writeFileSync(path.join(dir, `${tag}.sql`), m.up);
    writeFileSync(path.join(dir, 'down', `${tag}.sql`), m.down);
  }
  writeFileSync(journalFile, JSON.stringify(journal, null, 2));
  return dir;
}

/**
 * What drizzle-kit emits to change a column: rebuild the table (with foreign keys off). Built
 * from the schema the real migrations end at, so it keeps every column and index.
 */
function rebuildProjectsSql(): string {
  const fresh = openSqlite(':memory:');
  applyMigrations(fresh);
  const objects = fresh
    .prepare(
      `SELECT type, sql FROM sqlite_master WHERE tbl_name = 'ProjectStates' AND sql IS NOT NULL`,
    )
    .all() as { type: string; sql: string }[];
  fresh.close();
  const table = objects.find((o) => o.type === 'table')!.sql;
  const indexes = objects.filter((o) => o.type === 'index').map((o) => `${o.sql};`);
  return [
    'PRAGMA foreign_keys=OFF;',
    `${table.replace(/^CREATE TABLE [`"]ProjectStates[`"]/, 'CREATE TABLE `__new_ProjectStates`')};`,
    'INSERT INTO `__new_ProjectStates` SELECT * FROM `ProjectStates`;',
    'DROP TABLE `ProjectStates`;',
    'ALTER TABLE `__new_ProjectStates` RENAME TO `ProjectStates`;',
    ...indexes,
    'PRAGMA foreign_keys=ON;',
  ].join('\n--> statement-breakpoint\n');
}
const rebuildStatements = rebuildProjectsSql();

/** Rebuilds ProjectStates with the same columns; its down script rebuilds it back the same way. */
const rebuildMigration = {
  name: 'rebuild_projects',
  up: rebuildStatements,
  down: rebuildStatements,
};

const addColumnMigration = {
  name: 'project_color',
  up: 'ALTER TABLE `ProjectStates` ADD `Color` text;',
  down: 'ALTER TABLE `ProjectStates` DROP COLUMN `Color`;',
};

function seedProjectWithScenes(sqlite: ReturnType<typeof openSqlite>) {
  const db = createDb(sqlite);
  const project = insertAudited(db, projectStates, { title: 'Keep my scenes' }, 'tester');
  for (let i = 0; i < 3; i++)
    insertAudited(
      db,
      sceneStates,
      { projectId: project.id, sceneIndex: i, scriptText: `Scene ${i}` },
      'tester',
    );
  return project;
}

const REAL = loadMigrations().map((m) => m.tag);
const FIRST = REAL[0]!;
const LAST = REAL.at(-1)!;
/** The tag a fixture migration gets when appended after the real ones. */
const fixtureTag = (offset: number, name: string) =>
  `${String(REAL.length + offset).padStart(4, '0')}_${name}`;

describe('migrations', () => {
  it('every migration has a hand-written down script', () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.tag)).toContain(FIRST);
    for (const m of migrations) expect(m.downSql.trim().length, m.tag).toBeGreaterThan(0);
  });

  it('migrate creates every table and running it again changes nothing', () => {
    const { sqlite } = migratedDatabase();
    const before = schemaObjects(sqlite);
    const history = appliedMigrations(sqlite);
    expect(userTables(sqlite)).toHaveLength(21);
    expect(applyMigrations(sqlite)).toEqual([]);
    expect(schemaObjects(sqlite)).toEqual(before);
    expect(appliedMigrations(sqlite)).toEqual(history);
    expect(migrationStatus(sqlite, loadMigrations()).every((s) => s.applied && !s.modified)).toBe(
      true,
    );
  });

  it('migrate, rollback to the first, migrate yields the identical schema', () => {
    const migrations = loadMigrations(migrationsWith([rebuildMigration, addColumnMigration]));
    const fixtures = [fixtureTag(0, 'rebuild_projects'), fixtureTag(1, 'project_color')];
    const { sqlite } = migratedDatabase();
    expect(applyMigrations(sqlite, migrations)).toEqual(fixtures);
    const afterAll = schemaObjects(sqlite);
    expect(afterAll.get('table ProjectStates')).toContain('`Color` text');

    expect(
      rollbackMigrations(sqlite, resolveMigrationTarget(migrations, LAST), migrations),
    ).toEqual([...fixtures].reverse());
    expect(
      rollbackMigrations(sqlite, resolveMigrationTarget(migrations, FIRST), migrations),
    ).toEqual(REAL.slice(1).reverse());
    expect(appliedMigrations(sqlite).map((a) => a.migrationId)).toEqual([FIRST]);
    const afterFirst = schemaObjects(sqlite);
    expect(applyMigrations(sqlite, migrations)).toEqual([...REAL.slice(1), ...fixtures]);
    expect(schemaObjects(sqlite)).toEqual(afterAll);

    rollbackMigrations(sqlite, resolveMigrationTarget(migrations, 'initial_create'), migrations);
    const fresh = openSqlite(':memory:');
    applyMigrations(fresh, migrations.slice(0, 1));
    // Same tables, columns, indexes and keys as a database that only ever had the first migration
    // (the rebuilt table's CREATE text is re-quoted by SQLite's RENAME, so compare structure).
    const structure = (db: typeof sqlite) =>
      Object.values(describeSchema(db)).map(({ sql: _sql, ...rest }) => rest);
    expect(structure(sqlite)).toEqual(structure(fresh));
    expect([...schemaObjects(sqlite).keys()]).toEqual([...afterFirst.keys()]);
  });

  it('rollback to 0 removes everything and migrate rebuilds it identically', () => {
    const { sqlite } = migratedDatabase();
    const before = schemaObjects(sqlite);
    rollbackMigrations(sqlite, resolveMigrationTarget(loadMigrations(), '0'));
    expect(userTables(sqlite)).toEqual([]);
    expect(appliedMigrations(sqlite)).toEqual([]);
    applyMigrations(sqlite);
    expect(schemaObjects(sqlite)).toEqual(before);
  });

  it('a table-rebuild migration keeps child rows (foreign keys are off while migrating)', () => {
    const migrations = loadMigrations(migrationsWith([rebuildMigration]));
    const { sqlite, db } = migratedDatabase();
    const project = seedProjectWithScenes(sqlite);
    applyMigrations(sqlite, migrations);
    expect(
      db.select().from(sceneStates).where(eq(sceneStates.projectId, project.id)).all(),
    ).toHaveLength(3);
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    // The rebuilt table still cascades.
    db.delete(projectStates).where(eq(projectStates.id, project.id)).run();
    expect(db.select().from(sceneStates).all()).toHaveLength(0);
  });

  it('a failing migration changes nothing', () => {
    const migrations = loadMigrations(
      migrationsWith([
        addColumnMigration,
        {
          name: 'broken',
          up: 'CREATE TABLE `Ok` (`Id` text);\n--> statement-breakpoint\nALTER TABLE `Nope` ADD `X` text;',
          down: 'SELECT 1;',
        },
      ]),
    );
    const { sqlite } = migratedDatabase();
    seedProjectWithScenes(sqlite);
    const before = schemaObjects(sqlite);
    expect(() => applyMigrations(sqlite, migrations)).toThrow(/Nope/);
    expect(schemaObjects(sqlite)).toEqual(before);
    expect(appliedMigrations(sqlite).map((a) => a.migrationId)).toEqual(REAL);
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('a migration that breaks a foreign key is refused and changes nothing', () => {
    const migrations = loadMigrations(
      migrationsWith([
        {
          name: 'orphan',
          up: "UPDATE `SceneStates` SET `ProjectId` = 'missing';",
          down: 'SELECT 1;',
        },
      ]),
    );
    const { sqlite, db } = migratedDatabase();
    const project = seedProjectWithScenes(sqlite);
    expect(() => applyMigrations(sqlite, migrations)).toThrow(MaintenanceError);
    expect(() => applyMigrations(sqlite, migrations)).toThrow(/Foreign key check failed/);
    expect(
      db
        .select()
        .from(sceneStates)
        .all()
        .every((s) => s.projectId === project.id),
    ).toBe(true);
    expect(appliedMigrations(sqlite)).toHaveLength(REAL.length);
  });

  it('rejects unknown, unapplied and foreign migration targets clearly', () => {
    const migrations = loadMigrations(migrationsWith([addColumnMigration]));
    expect(() => resolveMigrationTarget(migrations, 'does_not_exist')).toThrow(
      /Unknown migration "does_not_exist"/,
    );
    const { sqlite } = migratedDatabase();
    expect(() =>
      rollbackMigrations(
        sqlite,
        resolveMigrationTarget(migrations, fixtureTag(0, 'project_color')),
        migrations,
      ),
    ).toThrow(/not applied/);
    // A database migrated by a newer version is not migrated by older code.
    applyMigrations(sqlite, migrations);
    expect(() => applyMigrations(sqlite, loadMigrations())).toThrow(/newer version/);
  });

  it('status reports a migration whose file changed after it was applied', () => {
    const { sqlite } = migratedDatabase();
    sqlite.prepare(`UPDATE "${HISTORY_TABLE}" SET Hash = 'tampered'`).run();
    expect(migrationStatus(sqlite, loadMigrations())[0]).toMatchObject({
      applied: true,
      modified: true,
    });
  });

  it('the migration script builds the same schema when applied by hand', () => {
    const script = migrationScript();
    const byScript = openSqlite(':memory:');
    byScript.exec(script);
    const byRunner = openSqlite(':memory:');
    applyMigrations(byRunner);
    expect(compareSchemas(byRunner, byScript)).toEqual([]);
    expect(appliedMigrations(byScript).map((a) => a.migrationId)).toEqual(
      loadMigrations().map((m) => m.tag),
    );
  });
});

describe('db:migrate and db:rollback commands', () => {
  it('migrate on a new file seeds and takes no backup; with data and pending work it backs up first', () => {
    const dir = tempDir();
    const dbPath = path.join(dir, 'aura.db');
    const first = migrateDatabase({ dbPath });
    expect(first.applied).toEqual(REAL);
    expect(first.safetyBackup).toBeNull();
    expect(first.seed.systemConfigurationCreated).toBe(true);

    const again = migrateDatabase({ dbPath });
    expect(again).toMatchObject({ applied: [], safetyBackup: null });
    expect(again.seed).toEqual({
      systemConfigurationCreated: false,
      templatesCreated: 0,
      settingsCreated: 0,
    });

    const migrationsDir = migrationsWith([addColumnMigration]);
    const upgraded = migrateDatabase({ dbPath, migrationsDir });
    expect(upgraded.applied).toEqual([fixtureTag(0, 'project_color')]);
    expect(upgraded.safetyBackup).not.toBeNull();
    expect(existsSync(upgraded.safetyBackup!)).toBe(true);
    expect(path.basename(upgraded.safetyBackup!)).toMatch(
      /^aura_pre_migrate_\d{8}_\d{6}(_\d+)?\.db$/,
    );

    const rolled = rollbackDatabase(LAST, { dbPath, migrationsDir });
    expect(rolled.reverted).toEqual([fixtureTag(0, 'project_color')]);
    expect(rolled.safetyBackup).not.toBeNull();
    expect(rollbackDatabase(LAST, { dbPath, migrationsDir })).toMatchObject({
      reverted: [],
      safetyBackup: null,
    });
    expect(readdirSync(path.dirname(rolled.safetyBackup!)).length).toBeGreaterThanOrEqual(2);
  });

  it('rollback of a missing database is refused', () => {
    expect(() => rollbackDatabase(FIRST, { dbPath: path.join(tempDir(), 'none.db') })).toThrow(
      /No database/,
    );
  });
});
