import { statSync } from 'node:fs';
import {
  loadMigrations,
  migrationStatus,
  pendingMigrations,
  unknownAppliedMigrations,
  type AuraDb,
  type Migration,
  type Sqlite,
} from '@aura/db';
import { changeKey } from '../db-changes';

export interface HealthReport {
  /** Reachable and migrations up to date. */
  ok: boolean;
  checkedAt: string;
  database: {
    reachable: boolean;
    /** The database file (':memory:' for an in-memory database); null unless shown to an admin. */
    path: string | null;
    /** Size of the main file in bytes; null when it cannot be read (in-memory). */
    sizeBytes: number | null;
    /** Size of the write-ahead log in bytes; 0 when there is none. */
    walSizeBytes: number | null;
    error: string | null;
  };
  migrations: {
    upToDate: boolean;
    /** Migrations this code knows. */
    known: number;
    applied: number;
    /** Tags not yet applied: run `pnpm db:migrate`. */
    pending: string[];
    /** Applied migrations this code does not know (the database is newer than the code). */
    unknown: string[];
    /** Applied migrations whose file changed since. */
    modified: string[];
    error: string | null;
  };
}

function fileSize(file: string): number | null {
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    return null;
  }
}

/** What anyone may know, signed in or not: no paths, sizes or migration names. */
export interface PublicHealth {
  ok: boolean;
  status: 'ok' | 'degraded';
  checkedAt: string;
}

export function publicHealth(report: HealthReport): PublicHealth {
  return { ok: report.ok, status: report.ok ? 'ok' : 'degraded', checkedAt: report.checkedAt };
}

/**
 * The migration files are read and hashed at most once a minute per process (they change only
 * with a deploy); the applied list is read again whenever the database changed (see
 * HealthState), so a migration run by another process shows at once.
 */
const KNOWN_MIGRATIONS_TTL_MS = 60_000;
let knownCache: { at: number; migrations: Migration[] } | undefined;

function knownMigrations(now: number): Migration[] {
  if (!knownCache || now - knownCache.at > KNOWN_MIGRATIONS_TTL_MS) {
    knownCache = { at: now, migrations: loadMigrations() };
  }
  return knownCache.migrations;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type MigrationReport = HealthReport['migrations'];

/**
 * Per connection: the migration report and the database's change key it was computed at (see
 * changeKey). Health is asked on every uptime check and worker tick; the report is recomputed
 * only when something changed.
 */
interface HealthState {
  key: string;
  known: Migration[];
  report: MigrationReport;
}

const healthStates = new WeakMap<Sqlite, HealthState>();

function migrationReport(sqlite: Sqlite, known: Migration[]): MigrationReport {
  const migrations: MigrationReport = {
    upToDate: false,
    known: 0,
    applied: 0,
    pending: [],
    unknown: [],
    modified: [],
    error: null,
  };
  try {
    const status = migrationStatus(sqlite, known);
    migrations.known = known.length;
    migrations.pending = pendingMigrations(sqlite, known).map((m) => m.tag);
    migrations.unknown = unknownAppliedMigrations(sqlite, known);
    migrations.modified = status.filter((s) => s.modified).map((s) => s.tag);
    migrations.applied = status.filter((s) => s.applied).length + migrations.unknown.length;
    migrations.upToDate =
      migrations.pending.length === 0 &&
      migrations.unknown.length === 0 &&
      migrations.modified.length === 0;
  } catch (error) {
    migrations.error = messageOf(error);
  }
  return migrations;
}

/**
 * The state of the database: reachable, migrations up to date, file and WAL sizes. Never throws:
 * a failure is reported in the result (the worker calls this on every tick).
 */
export function getHealth(db: AuraDb): HealthReport {
  const sqlite = db.$client;
  const file = sqlite.name;
  const inMemory = file === ':memory:' || file === '';

  const database: HealthReport['database'] = {
    reachable: false,
    path: file,
    sizeBytes: inMemory ? null : fileSize(file),
    walSizeBytes: inMemory ? null : fileSize(`${file}-wal`),
    error: null,
  };
  let key: string | null = null;
  try {
    // Also the reachability check: it reads the database.
    key = changeKey(sqlite);
    database.reachable = true;
  } catch (error) {
    database.error = messageOf(error);
  }

  let migrations: MigrationReport = {
    upToDate: false,
    known: 0,
    applied: 0,
    pending: [],
    unknown: [],
    modified: [],
    error: null,
  };
  if (database.reachable) {
    const known = knownMigrations(Date.now());
    const cached = healthStates.get(sqlite);
    if (key !== null && cached?.key === key && cached.known === known) {
      migrations = cached.report;
    } else {
      migrations = migrationReport(sqlite, known);
      // Frozen: every caller until the next change shares it.
      for (const list of [migrations.pending, migrations.unknown, migrations.modified])
        Object.freeze(list);
      Object.freeze(migrations);
      // Inside a transaction (key null) nothing is kept: it may roll back.
      if (key !== null) healthStates.set(sqlite, { key, known, report: migrations });
    }
  }

  return {
    ok: database.reachable && migrations.upToDate,
    checkedAt: new Date().toISOString(),
    database,
    migrations,
  };
}
