import { PreconditionError, type Sqlite } from '@aura/db';
import { z } from 'zod';

/**
 * Which .NET Aura schema a file has, read from `__EFMigrationsHistory` and the tables present
 * (never assumed): older files lack later tables and columns, so every read goes by name.
 */

/** The migrations the .NET app applies, in order (the ones with [DbContext] and [Migration]). */
export const KNOWN_MIGRATIONS = [
  '20251026005425_InitialCreate',
  '20251101230642_AddUserSetupTable',
  '20251102050640_AddProjectStatePersistence',
  '20251103202216_AddActionLogAndSoftDelete',
  '20251108184353_AddWizardProjectManagement',
  '20251109170431_AddSystemConfiguration',
  '20251121045900_AddCreatedByToConfigurations',
  '20251122175419_AddMissingDatabaseTables',
] as const;

export interface LegacySchema {
  migrations: string[];
  latestMigration: string;
  productVersion: string | null;
  /** Every user table with its column names (leftovers of crashed rebuilds excluded). */
  tables: Map<string, Set<string>>;
  /** `ef_temp_*` tables a crashed migration left behind (ignored). */
  leftovers: string[];
}

const historyRow = z.object({ MigrationId: z.string(), ProductVersion: z.string() });
const nameRow = z.object({ name: z.string() });

export function detectLegacySchema(sqlite: Sqlite, source: string): LegacySchema {
  const names = z
    .array(nameRow)
    .parse(
      sqlite
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )
        .all(),
    )
    .map((r) => r.name);
  if (!names.includes('__EFMigrationsHistory')) {
    throw new PreconditionError(
      `${source} is not a .NET Aura database: it has no __EFMigrationsHistory table (Entity Framework's migration history)`,
    );
  }
  const history = z
    .array(historyRow)
    .parse(
      sqlite
        .prepare(
          'SELECT "MigrationId", "ProductVersion" FROM "__EFMigrationsHistory" ORDER BY "MigrationId"',
        )
        .all(),
    );
  const known = new Set<string>(KNOWN_MIGRATIONS);
  const migrations = history.map((h) => h.MigrationId);
  if (!migrations.includes(KNOWN_MIGRATIONS[0])) {
    throw new PreconditionError(
      `${source} is not a .NET Aura database: its migration history does not start with ${KNOWN_MIGRATIONS[0]}`,
    );
  }
  const unknown = migrations.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    const last = KNOWN_MIGRATIONS[KNOWN_MIGRATIONS.length - 1];
    throw new PreconditionError(
      `${source} was written by a newer or unknown version of the .NET app (migration ${unknown.join(', ')}); this importer knows migrations up to ${last}. Nothing was imported.`,
    );
  }
  // Applied migrations must be a prefix of the known order (EF applies them in order).
  const prefix = KNOWN_MIGRATIONS.slice(0, migrations.length);
  if (prefix.some((id, i) => migrations[i] !== id)) {
    throw new PreconditionError(
      `${source} has an inconsistent migration history (a migration is missing in the middle); nothing was imported`,
    );
  }

  const tables = new Map<string, Set<string>>();
  const leftovers: string[] = [];
  for (const name of names) {
    if (name.startsWith('ef_temp_')) {
      leftovers.push(name);
      continue;
    }
    const columns = z
      .array(nameRow)
      .parse(sqlite.prepare('SELECT name FROM pragma_table_info(?)').all(name));
    tables.set(name, new Set(columns.map((c) => c.name)));
  }
  for (const required of ['export_history']) {
    if (!tables.has(required)) {
      throw new PreconditionError(
        `${source} is not a .NET Aura database: table ${required} of ${KNOWN_MIGRATIONS[0]} is missing`,
      );
    }
  }
  return {
    migrations,
    latestMigration: migrations[migrations.length - 1] ?? KNOWN_MIGRATIONS[0],
    productVersion: history[history.length - 1]?.ProductVersion ?? null,
    tables,
    leftovers,
  };
}

/**
 * Reads every row of a legacy table as name → value, selecting the wanted columns by name; a
 * column the file does not have yet (an older schema) reads as NULL.
 */
export function readLegacyRows(
  sqlite: Sqlite,
  schema: LegacySchema,
  table: string,
  columns: readonly string[],
): Record<string, unknown>[] {
  const present = schema.tables.get(table);
  if (!present) return [];
  const select = columns
    .map((c) => (present.has(c) ? quoteName(c) : `NULL AS ${quoteName(c)}`))
    .join(', ');
  return z
    .array(z.record(z.string(), z.unknown()))
    .parse(sqlite.prepare(`SELECT ${select} FROM ${quoteName(table)} ORDER BY rowid`).all());
}

export function countRows(sqlite: Sqlite, table: string): number {
  return z
    .object({ n: z.number() })
    .parse(sqlite.prepare(`SELECT count(*) AS n FROM ${quoteName(table)}`).get()).n;
}

/** A table or column name of the legacy file as an SQL identifier (the file names them). */
function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
