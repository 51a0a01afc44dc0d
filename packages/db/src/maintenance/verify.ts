import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { openSqlite, type Sqlite } from '../client';
import { MaintenanceError } from '../errors';
import {
  HISTORY_TABLE,
  modifiedMigrations,
  applyMigrations,
  loadMigrations,
  migrationStatus,
  unknownAppliedMigrations,
  type Migration,
} from '../migrations';
import { compareSchemas } from '../introspect';
import { searchIndexProblems } from '../search';
import { databasePath, resolveFromRoot } from '../paths';
import {
  errorMessage,
  formatBytes,
  hasTable,
  integrityProblems,
  NOT_A_DATABASE,
  sqliteFileProblem,
  sqliteProblemOf,
} from './sqlite-file';

/**
 * `db:verify`: a read-only health check of the database. The file check runs first; when the file
 * can be opened (read-only), every check of `DEFAULT_CHECKS` runs against it. A check is a named
 * function of a context (connection, path, migrations); add one by appending to DEFAULT_CHECKS
 * (or pass `checks`). A check that throws is reported as failed, never aborts the others.
 */

export interface CheckResult {
  name: string;
  ok: boolean;
  details: string[];
}

export interface VerifyResult {
  ok: boolean;
  dbPath: string;
  checks: CheckResult[];
}

export interface VerifyContext {
  /** Read-only connection to the live database. */
  sqlite: Sqlite;
  dbPath: string;
  /** The migrations of this code (loaded from migrationsDir). */
  migrations: Migration[];
}

export interface DatabaseCheck {
  name: string;
  run(context: VerifyContext): { ok: boolean; details: string[] };
}

export interface VerifyOptions {
  dbPath?: string;
  migrationsDir?: string;
  /** The checks to run after the file check; default DEFAULT_CHECKS. */
  checks?: readonly DatabaseCheck[];
}

/** At most this many detail lines per check; the rest are counted. */
export const MAX_DETAILS = 50;

function capped(lines: string[]): string[] {
  if (lines.length <= MAX_DETAILS) return lines;
  return [...lines.slice(0, MAX_DETAILS), `… and ${lines.length - MAX_DETAILS} more`];
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export const integrityCheck: DatabaseCheck = {
  name: 'Integrity (PRAGMA integrity_check)',
  run({ sqlite }) {
    const problems = integrityProblems(sqlite);
    return problems.length === 0 ? { ok: true, details: [] } : { ok: false, details: problems };
  },
};

export const foreignKeyCheck: DatabaseCheck = {
  name: 'Foreign keys (PRAGMA foreign_key_check)',
  run({ sqlite }) {
    const violations = sqlite.pragma('foreign_key_check') as {
      table: string;
      rowid: number | null;
      parent: string;
      fkid: number;
    }[];
    const details = violations.map((v) => {
      const fk = (
        sqlite.prepare(`PRAGMA foreign_key_list(${quoteIdent(v.table)})`).all() as {
          id: number;
          from: string;
          to: string | null;
        }[]
      ).filter((f) => f.id === v.fkid);
      const columns = fk.map((f) => f.from).join(', ');
      let row = v.rowid === null ? 'a row' : `row ${v.rowid}`;
      if (v.rowid !== null) {
        try {
          const found = sqlite
            .prepare(`SELECT Id AS id FROM ${quoteIdent(v.table)} WHERE rowid = ?`)
            .get(v.rowid) as { id: unknown } | undefined;
          if (found) row = `row Id=${String(found.id)}`;
        } catch {
          // table without an Id column
        }
        try {
          const values = sqlite
            .prepare(
              `SELECT ${fk.map((f) => quoteIdent(f.from)).join(', ')} FROM ${quoteIdent(v.table)} WHERE rowid = ?`,
            )
            .raw()
            .get(v.rowid) as unknown[] | undefined;
          if (values && columns)
            row += ` (${columns} = ${values.map((x) => String(x)).join(', ')})`;
        } catch {
          // WITHOUT ROWID table: no value to show
        }
      }
      return `${v.table} ${row} references a missing ${v.parent} row`;
    });
    return { ok: violations.length === 0, details: capped(details) };
  },
};

export const migrationsCheck: DatabaseCheck = {
  name: 'Migrations applied and unmodified',
  run({ sqlite, migrations }) {
    const details: string[] = [];
    if (!hasTable(sqlite, HISTORY_TABLE)) {
      details.push(`no ${HISTORY_TABLE} table: the database was never migrated (run db:migrate)`);
    }
    for (const state of migrationStatus(sqlite, migrations)) {
      if (!state.applied) details.push(`pending: ${state.tag} is not applied (run db:migrate)`);
    }
    for (const modified of modifiedMigrations(sqlite, migrations))
      details.push(`modified: ${modified}`);
    for (const tag of unknownAppliedMigrations(sqlite, migrations)) {
      details.push(
        `unknown: ${tag} is applied but not part of this code (the database was migrated by a newer version)`,
      );
    }
    return { ok: details.length === 0, details };
  },
};

export const schemaCheck: DatabaseCheck = {
  name: 'Schema matches the migrations',
  run({ sqlite, migrations }) {
    const fresh = openSqlite(':memory:');
    try {
      applyMigrations(fresh, migrations);
      const problems = compareSchemas(fresh, sqlite);
      return { ok: problems.length === 0, details: capped(problems) };
    } finally {
      fresh.close();
    }
  },
};

/** The full-text index holds exactly the live rows (its triggers keep it so; this proves it). */
export const searchIndexCheck: DatabaseCheck = {
  name: 'Search index matches the live rows',
  run({ sqlite }) {
    const problems = searchIndexProblems(sqlite);
    return { ok: problems.length === 0, details: capped(problems) };
  },
};

/** The checks db:verify runs after the file check, in order. Append new checks here. */
export const DEFAULT_CHECKS: readonly DatabaseCheck[] = [
  integrityCheck,
  foreignKeyCheck,
  migrationsCheck,
  schemaCheck,
  searchIndexCheck,
];

function fileCheck(dbPath: string): CheckResult {
  const name = 'Database file exists and is readable';
  if (!existsSync(dbPath))
    return {
      name,
      ok: false,
      details: [`${dbPath} does not exist (check AURA_DB_PATH, or run db:migrate)`],
    };
  const stat = statSync(dbPath);
  if (!stat.isFile()) return { name, ok: false, details: [`${dbPath} is not a file`] };
  try {
    accessSync(dbPath, constants.R_OK);
  } catch (error) {
    return { name, ok: false, details: [`${dbPath} is not readable: ${errorMessage(error)}`] };
  }
  if (stat.size === 0) return { name, ok: false, details: [`${dbPath} is empty (run db:migrate)`] };
  // Whether it is a database is asked of SQLite (verifyDatabase): fs never opens a live database.
  return { name, ok: true, details: [`${dbPath} (${formatBytes(stat.size)})`] };
}

/** Runs every check against the database (opened read-only) and reports each one. */
export function verifyDatabase(options: VerifyOptions = {}): VerifyResult {
  const dbPath = options.dbPath ? resolveFromRoot(options.dbPath) : databasePath();
  const migrations = loadMigrations(options.migrationsDir);
  const file = fileCheck(dbPath);
  const checks: CheckResult[] = [file];
  if (file.ok) {
    let sqlite: Sqlite | undefined;
    let problem: string | null;
    try {
      sqlite = openSqlite(dbPath, { readonly: true });
      problem = sqliteFileProblem(sqlite);
    } catch (error) {
      problem = sqliteProblemOf(error);
    }
    if (problem !== null) {
      sqlite?.close();
      sqlite = undefined;
      if (problem === NOT_A_DATABASE) {
        checks[0] = { ...file, ok: false, details: [`${dbPath} is ${NOT_A_DATABASE}`] };
      } else {
        checks.push({ name: 'Open the database', ok: false, details: [problem] });
      }
    }
    if (sqlite) {
      try {
        const context: VerifyContext = { sqlite, dbPath, migrations };
        for (const check of options.checks ?? DEFAULT_CHECKS) {
          try {
            const outcome = check.run(context);
            checks.push({ name: check.name, ok: outcome.ok, details: outcome.details });
          } catch (error) {
            checks.push({
              name: check.name,
              ok: false,
              details: [`the check could not run: ${errorMessage(error)}`],
            });
          }
        }
      } finally {
        sqlite.close();
      }
    }
  }
  return { ok: checks.every((c) => c.ok), dbPath, checks };
}

/** A readable report: one line per check (✔/✘) with its details indented below it. */
export function formatVerifyReport(result: VerifyResult): string {
  const lines = [`Database check of ${result.dbPath}`, ''];
  for (const check of result.checks) {
    lines.push(`${check.ok ? '✔' : '✘'} ${check.name}`);
    for (const detail of check.details) lines.push(`    ${detail}`);
  }
  const failed = result.checks.filter((c) => !c.ok).length;
  lines.push(
    '',
    result.ok
      ? `All ${result.checks.length} checks passed.`
      : `${failed} of ${result.checks.length} checks failed.`,
  );
  return lines.join('\n');
}

/** Throws MaintenanceError with the report when verification fails (for scripts and jobs). */
export function assertDatabaseVerified(options: VerifyOptions = {}): VerifyResult {
  const result = verifyDatabase(options);
  if (!result.ok) throw new MaintenanceError(formatVerifyReport(result));
  return result;
}
