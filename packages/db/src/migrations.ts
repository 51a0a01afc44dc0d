import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Sqlite } from './client';
import { MaintenanceError } from './errors';
import { migrationsDirectory } from './paths';

/**
 * Our migration runner over drizzle-kit's generated SQL. Drizzle's own migrator runs every
 * pending migration in one transaction where `PRAGMA foreign_keys=OFF` is a no-op, so a
 * table-rebuild migration would cascade-delete child rows; it also has no down migrations and
 * records no readable history. Here: foreign keys off around the transaction, a
 * foreign_key_check before commit, hand-written down scripts, and a history table with hashes.
 */

export const HISTORY_TABLE = '__MigrationsHistory';

export interface Migration {
  /** Position in drizzle-kit's journal (0-based). */
  index: number;
  /** File name without extension, e.g. 0000_initial_create. */
  tag: string;
  upSql: string;
  downSql: string;
  /** SHA-256 of the up script: an applied migration whose file changed is reported. */
  hash: string;
}

export interface AppliedMigration {
  migrationId: string;
  hash: string;
  appliedAt: string;
}

export interface MigrationState {
  tag: string;
  applied: boolean;
  appliedAt: string | null;
  /** Applied, but the file on disk no longer has the hash it had when applied. */
  modified: boolean;
}

interface Journal {
  entries: { idx: number; tag: string }[];
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads drizzle-kit's journal and each migration's up and (hand-written) down script. */
export function loadMigrations(dir: string = migrationsDirectory()): Migration[] {
  const journalPath = path.join(dir, 'meta', '_journal.json');
  if (!existsSync(journalPath))
    throw new MaintenanceError(`No migration journal at ${journalPath}`);
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
  return journal.entries
    .slice()
    .sort((a, b) => a.idx - b.idx)
    .map((entry) => {
      const upPath = path.join(dir, `${entry.tag}.sql`);
      const downPath = path.join(dir, 'down', `${entry.tag}.sql`);
      if (!existsSync(upPath)) throw new MaintenanceError(`Migration file missing: ${upPath}`);
      if (!existsSync(downPath))
        throw new MaintenanceError(`Down script missing for ${entry.tag}: ${downPath}`);
      const upSql = readFileSync(upPath, 'utf8');
      return {
        index: entry.idx,
        tag: entry.tag,
        upSql,
        downSql: readFileSync(downPath, 'utf8'),
        hash: sha256(upSql),
      };
    });
}

/** drizzle-kit separates statements with `--> statement-breakpoint`; down scripts may too. */
export function splitStatements(sqlText: string): string[] {
  return sqlText
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter((s) => s.replace(/--.*$/gm, '').trim().length > 0);
}

function historyExists(sqlite: Sqlite): boolean {
  return (
    sqlite
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
      .get(HISTORY_TABLE) !== undefined
  );
}

const CREATE_HISTORY_SQL = `CREATE TABLE IF NOT EXISTS "${HISTORY_TABLE}" (
  "MigrationId" TEXT PRIMARY KEY NOT NULL,
  "Hash" TEXT NOT NULL,
  "AppliedAt" TEXT NOT NULL
)`;

export function appliedMigrations(sqlite: Sqlite): AppliedMigration[] {
  if (!historyExists(sqlite)) return [];
  return sqlite
    .prepare(
      `SELECT MigrationId AS migrationId, Hash AS hash, AppliedAt AS appliedAt
       FROM "${HISTORY_TABLE}" ORDER BY MigrationId`,
    )
    .all() as AppliedMigration[];
}

export function migrationStatus(sqlite: Sqlite, migrations: Migration[]): MigrationState[] {
  const applied = new Map(appliedMigrations(sqlite).map((a) => [a.migrationId, a]));
  return migrations.map((m) => {
    const row = applied.get(m.tag);
    return {
      tag: m.tag,
      applied: row !== undefined,
      appliedAt: row?.appliedAt ?? null,
      modified: row !== undefined && row.hash !== m.hash,
    };
  });
}

/**
 * Applied migrations whose file changed since they were applied, each described as
 * "<tag> was changed after it was applied (applied hash …, file hash …)". The schema may then not
 * be what the code expects: db:migrate refuses and db:verify fails on them.
 */
export function modifiedMigrations(sqlite: Sqlite, migrations: Migration[]): string[] {
  const appliedHash = new Map(appliedMigrations(sqlite).map((a) => [a.migrationId, a.hash]));
  return migrations.flatMap((m) => {
    const applied = appliedHash.get(m.tag);
    return applied === undefined || applied === m.hash
      ? []
      : [
          `${m.tag} was changed after it was applied (applied hash ${applied.slice(0, 12)}…, file hash ${m.hash.slice(0, 12)}…)`,
        ];
  });
}

/** Applied migrations this code does not know: the database is newer than the code. */
export function unknownAppliedMigrations(sqlite: Sqlite, migrations: Migration[]): string[] {
  const known = new Set(migrations.map((m) => m.tag));
  return appliedMigrations(sqlite)
    .map((a) => a.migrationId)
    .filter((id) => !known.has(id));
}

export function pendingMigrations(sqlite: Sqlite, migrations: Migration[]): Migration[] {
  const applied = new Set(appliedMigrations(sqlite).map((a) => a.migrationId));
  return migrations.filter((m) => !applied.has(m.tag));
}

/**
 * Runs `work` in one IMMEDIATE transaction with foreign keys off (they cannot be switched inside
 * a transaction), then refuses to commit if any foreign key is violated.
 */
function withForeignKeysGuarded(sqlite: Sqlite, work: () => void): void {
  if (sqlite.inTransaction)
    throw new MaintenanceError('Migrations cannot run inside a transaction');
  sqlite.pragma('foreign_keys = OFF');
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      work();
      const violations = sqlite.pragma('foreign_key_check') as {
        table: string;
        rowid: number;
        parent: string;
      }[];
      if (violations.length > 0) {
        const sample = violations
          .slice(0, 5)
          .map((v) => `${v.table} row ${v.rowid} -> ${v.parent}`)
          .join('; ');
        throw new MaintenanceError(
          `Foreign key check failed after migrating (${violations.length} violation(s): ${sample}); nothing was changed`,
        );
      }
      sqlite.exec('COMMIT');
    } catch (error) {
      // A getter: BEGIN changed it since the guard above (which narrowed it to false).
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw error;
    }
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
}

function nowIso(): string {
  return new Date().toISOString();
}

/** Applies every pending migration in order, all or nothing. Returns the tags applied. */
export function applyMigrations(
  sqlite: Sqlite,
  migrations: Migration[] = loadMigrations(),
): string[] {
  const unknown = unknownAppliedMigrations(sqlite, migrations);
  if (unknown.length > 0) {
    throw new MaintenanceError(
      `The database has migrations this code does not know (${unknown.join(', ')}): it was migrated by a newer version. Update the code or roll the database back with that version.`,
    );
  }
  const pending = pendingMigrations(sqlite, migrations);
  if (pending.length === 0) return [];
  withForeignKeysGuarded(sqlite, () => {
    sqlite.exec(CREATE_HISTORY_SQL);
    const record = sqlite.prepare(
      `INSERT INTO "${HISTORY_TABLE}" (MigrationId, Hash, AppliedAt) VALUES (?, ?, ?)`,
    );
    for (const migration of pending) {
      for (const statement of splitStatements(migration.upSql)) sqlite.exec(statement);
      record.run(migration.tag, migration.hash, nowIso());
    }
  });
  return pending.map((m) => m.tag);
}

/**
 * Finds a migration by its tag (0000_initial_create), its name without the number
 * (initial_create) or its number (0000). `0` alone means "before the first migration".
 */
export function resolveMigrationTarget(migrations: Migration[], target: string): Migration | null {
  const wanted = target.trim();
  if (wanted === '0') return null;
  const found = migrations.find(
    (m) =>
      m.tag === wanted || m.tag.replace(/^\d+_/, '') === wanted || m.tag.split('_')[0] === wanted,
  );
  if (!found) {
    throw new MaintenanceError(
      `Unknown migration "${target}". Known: ${migrations.map((m) => m.tag).join(', ')} (or 0 to revert everything)`,
    );
  }
  return found;
}

/**
 * The applied migrations newer than `target` (null: all applied), newest first. Throws when the
 * target itself is not applied.
 */
export function migrationsToRevert(
  sqlite: Sqlite,
  target: Migration | null,
  migrations: Migration[],
): Migration[] {
  const applied = new Set(appliedMigrations(sqlite).map((a) => a.migrationId));
  if (target && !applied.has(target.tag)) {
    throw new MaintenanceError(
      `Migration ${target.tag} is not applied, so there is nothing to roll back to; run db:status`,
    );
  }
  return migrations
    .filter((m) => applied.has(m.tag) && (target === null || m.index > target.index))
    .sort((a, b) => b.index - a.index);
}

/**
 * Reverts every applied migration newer than `target` (newest first) with its down script, all or
 * nothing. `target` null reverts every migration. Returns the tags reverted.
 */
export function rollbackMigrations(
  sqlite: Sqlite,
  target: Migration | null,
  migrations: Migration[] = loadMigrations(),
): string[] {
  const toRevert = migrationsToRevert(sqlite, target, migrations);
  if (toRevert.length === 0) return [];
  withForeignKeysGuarded(sqlite, () => {
    const forget = sqlite.prepare(`DELETE FROM "${HISTORY_TABLE}" WHERE MigrationId = ?`);
    for (const migration of toRevert) {
      for (const statement of splitStatements(migration.downSql)) sqlite.exec(statement);
      forget.run(migration.tag);
    }
    if (target === null) sqlite.exec(`DROP TABLE IF EXISTS "${HISTORY_TABLE}"`);
  });
  return toRevert.map((m) => m.tag);
}

/** One readable SQL file of every migration, with the history rows, that a DBA can apply. */
export function migrationScript(migrations: Migration[] = loadMigrations()): string {
  const lines = [
    '-- Aura Data: every schema migration, in order.',
    `-- Generated ${nowIso()} from ${migrations.length} migration(s).`,
    '-- Apply to a new database with: sqlite3 aura.db < this-file.sql',
    '-- Foreign keys are off while the schema changes and checked before the commit.',
    '',
    'PRAGMA foreign_keys = OFF;',
    'BEGIN IMMEDIATE;',
    '',
    `${CREATE_HISTORY_SQL};`,
    '',
  ];
  for (const migration of migrations) {
    lines.push(`-- ${'='.repeat(70)}`, `-- Migration ${migration.tag}`, `-- ${'='.repeat(70)}`, '');
    for (const statement of splitStatements(migration.upSql)) {
      lines.push(statement.endsWith(';') ? statement : `${statement};`, '');
    }
    lines.push(
      `INSERT INTO "${HISTORY_TABLE}" (MigrationId, Hash, AppliedAt) VALUES ('${migration.tag}', '${migration.hash}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));`,
      '',
    );
  }
  lines.push('PRAGMA foreign_key_check;', 'COMMIT;', 'PRAGMA foreign_keys = ON;', '');
  return lines.join('\n');
}
