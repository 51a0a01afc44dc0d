import type { Sqlite } from './client';
import { HISTORY_TABLE } from './migrations';
import { searchIndexTables } from './search';

/** The live schema, read from SQLite itself (not from schema.ts). */

export interface ColumnInfo {
  name: string;
  type: string;
  notNull: boolean;
  defaultValue: string | null;
  primaryKey: boolean;
}

export interface IndexInfo {
  name: string;
  unique: boolean;
  columns: string[];
}

export interface ForeignKeyInfo {
  column: string;
  references: string;
  onDelete: string;
}

export interface TableInfo {
  name: string;
  sql: string;
  columns: ColumnInfo[];
  indexes: IndexInfo[];
  foreignKeys: ForeignKeyInfo[];
}

export type SchemaInfo = Record<string, TableInfo>;

/**
 * Tables of the application: SQLite's own, the migration history and the search index (FTS5
 * tables, their shadow tables and the key table: derived data, see `searchIndexTables`) excluded.
 */
export function userTables(sqlite: Sqlite): string[] {
  const search = new Set(searchIndexTables(sqlite));
  return (
    sqlite
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ? ORDER BY name`,
      )
      .all(HISTORY_TABLE) as { name: string }[]
  )
    .map((r) => r.name)
    .filter((name) => !search.has(name));
}

export function describeTable(sqlite: Sqlite, table: string): TableInfo {
  const quoted = `"${table.replace(/"/g, '""')}"`;
  const columns = (
    sqlite.prepare(`PRAGMA table_info(${quoted})`).all() as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }[]
  ).map((c) => ({
    name: c.name,
    type: c.type.toLowerCase(),
    notNull: c.notnull === 1,
    defaultValue: c.dflt_value,
    primaryKey: c.pk > 0,
  }));
  const indexes = (
    sqlite.prepare(`PRAGMA index_list(${quoted})`).all() as {
      name: string;
      unique: number;
      origin: string;
    }[]
  )
    .filter((i) => i.origin === 'c' || i.origin === 'u')
    .map((i) => ({
      name: i.name,
      unique: i.unique === 1,
      columns: (
        sqlite.prepare(`PRAGMA index_info("${i.name.replace(/"/g, '""')}")`).all() as {
          seqno: number;
          name: string;
        }[]
      )
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const foreignKeys = (
    sqlite.prepare(`PRAGMA foreign_key_list(${quoted})`).all() as {
      from: string;
      table: string;
      to: string;
      on_delete: string;
    }[]
  ).map((f) => ({ column: f.from, references: `${f.table}.${f.to}`, onDelete: f.on_delete }));
  const row = sqlite
    .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`)
    .get(table) as { sql: string } | undefined;
  return { name: table, sql: row?.sql ?? '', columns, indexes, foreignKeys };
}

export function describeSchema(sqlite: Sqlite): SchemaInfo {
  return Object.fromEntries(userTables(sqlite).map((t) => [t, describeTable(sqlite, t)]));
}

/** Every schema object's definition, for an exact comparison (triggers and views included). */
export function schemaObjects(sqlite: Sqlite): Map<string, string> {
  const rows = sqlite
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
       WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL ORDER BY type, name`,
    )
    .all() as { type: string; name: string; sql: string }[];
  return new Map(rows.map((r) => [`${r.type} ${r.name}`, r.sql.replace(/\s+/g, ' ').trim()]));
}

/**
 * Differences between the schema the migrations produce (`expected`) and a live one, as readable
 * lines: a missing or extra table, column or index, or an object whose definition differs.
 */
export function compareSchemas(expected: Sqlite, actual: Sqlite): string[] {
  const problems: string[] = [];
  const want = describeSchema(expected);
  const have = describeSchema(actual);
  for (const [table, w] of Object.entries(want)) {
    const h = have[table];
    if (!h) {
      problems.push(`table ${table} is missing`);
      continue;
    }
    const hCols = new Map(h.columns.map((c) => [c.name, c]));
    const wCols = new Map(w.columns.map((c) => [c.name, c]));
    for (const c of w.columns) {
      const hc = hCols.get(c.name);
      if (!hc) problems.push(`column ${table}.${c.name} is missing`);
      else if (JSON.stringify(hc) !== JSON.stringify(c))
        problems.push(
          `column ${table}.${c.name} differs: expected ${JSON.stringify(c)}, found ${JSON.stringify(hc)}`,
        );
    }
    for (const c of h.columns)
      if (!wCols.has(c.name)) problems.push(`column ${table}.${c.name} is not in the migrations`);
    const hIdx = new Map(h.indexes.map((i) => [i.name, i]));
    const wIdx = new Map(w.indexes.map((i) => [i.name, i]));
    for (const i of w.indexes) {
      const hi = hIdx.get(i.name);
      if (!hi) problems.push(`index ${i.name} on ${table} is missing`);
      else if (JSON.stringify(hi) !== JSON.stringify(i))
        problems.push(
          `index ${i.name} differs: expected ${JSON.stringify(i)}, found ${JSON.stringify(hi)}`,
        );
    }
    for (const i of h.indexes)
      if (!wIdx.has(i.name)) problems.push(`index ${i.name} on ${table} is not in the migrations`);
  }
  for (const table of Object.keys(have))
    if (!want[table]) problems.push(`table ${table} is not in the migrations`);

  // The search index's tables: compared by definition below (schemaObjects holds the virtual
  // tables' CREATE statements, their shadow tables' and the triggers that fill them).
  const wantSearch = searchIndexTables(expected);
  const haveSearch = new Set(searchIndexTables(actual));
  for (const table of wantSearch)
    if (!haveSearch.has(table)) problems.push(`search index table ${table} is missing`);
  for (const table of haveSearch)
    if (!wantSearch.includes(table))
      problems.push(`search index table ${table} is not in the migrations`);

  // Anything the structural comparison cannot see (CHECK constraints, triggers, views).
  if (problems.length === 0) {
    const w = schemaObjects(expected);
    const h = schemaObjects(actual);
    for (const [key, sql] of w) {
      if (!h.has(key)) problems.push(`${key} is missing`);
      else if (h.get(key) !== sql) problems.push(`${key} differs from its migration definition`);
    }
    for (const key of h.keys()) if (!w.has(key)) problems.push(`${key} is not in the migrations`);
  }
  return problems;
}
