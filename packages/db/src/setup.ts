import { existsSync } from 'node:fs';
import { createDb, openSqlite, type Sqlite } from './client';
import { MaintenanceError } from './errors';
import { userTables } from './introspect';
import { backupDatabase } from './maintenance';
import {
  applyMigrations,
  loadMigrations,
  migrationsToRevert,
  modifiedMigrations,
  pendingMigrations,
  resolveMigrationTarget,
  rollbackMigrations,
} from './migrations';
import { databasePath } from './paths';
import { seedDatabase, type SeedResult } from './seed';

/**
 * The db CLI's schema-changing commands: each takes a safety backup when there is data to lose,
 * then changes the schema all or nothing.
 */

/** Whether any application table holds a row. */
export function holdsData(sqlite: Sqlite): boolean {
  return userTables(sqlite).some(
    (table) =>
      (sqlite.prepare(`SELECT EXISTS (SELECT 1 FROM "${table}") AS n`).get() as { n: number }).n ===
      1,
  );
}

export interface MigrateResult {
  dbPath: string;
  applied: string[];
  safetyBackup: string | null;
  seed: SeedResult;
}

/**
 * `db:migrate`: applies what is pending (after a safety backup if data exists), then seeds.
 * Refuses, changing nothing, when an applied migration's file was modified since.
 */
export function migrateDatabase(
  options: { dbPath?: string; migrationsDir?: string } = {},
): MigrateResult {
  const dbPath = options.dbPath ?? databasePath();
  const migrations = loadMigrations(options.migrationsDir);
  const sqlite = openSqlite(dbPath);
  try {
    const modified = modifiedMigrations(sqlite, migrations);
    if (modified.length > 0) {
      throw new MaintenanceError(
        `Applied migration(s) changed on disk: ${modified.join('; ')}. The schema may not be what ` +
          `this code expects. Put the file(s) back as they were applied (see the version history ` +
          `of packages/db/migrations) and make every change a new migration; db:verify reports ` +
          `the same. Nothing was migrated.`,
      );
    }
    let safetyBackup: string | null = null;
    if (pendingMigrations(sqlite, migrations).length > 0 && holdsData(sqlite)) {
      safetyBackup = backupDatabase({ dbPath, prefix: 'aura_pre_migrate' }).file;
    }
    const applied = applyMigrations(sqlite, migrations);
    const seed = seedDatabase(createDb(sqlite));
    return { dbPath, applied, safetyBackup, seed };
  } finally {
    sqlite.close();
  }
}

export interface RollbackResult {
  dbPath: string;
  reverted: string[];
  safetyBackup: string | null;
}

/** `db:rollback <name>`: reverts every migration newer than `name` (0: all of them). */
export function rollbackDatabase(
  target: string,
  options: { dbPath?: string; migrationsDir?: string } = {},
): RollbackResult {
  const dbPath = options.dbPath ?? databasePath();
  if (!existsSync(dbPath))
    throw new MaintenanceError(`No database at ${dbPath}: nothing to roll back`);
  const migrations = loadMigrations(options.migrationsDir);
  const resolved = resolveMigrationTarget(migrations, target);
  const sqlite = openSqlite(dbPath);
  try {
    const needsBackup =
      migrationsToRevert(sqlite, resolved, migrations).length > 0 && holdsData(sqlite);
    const safetyBackup = needsBackup
      ? backupDatabase({ dbPath, prefix: 'aura_pre_rollback' }).file
      : null;
    const reverted = rollbackMigrations(sqlite, resolved, migrations);
    return { dbPath, reverted, safetyBackup };
  } finally {
    sqlite.close();
  }
}
