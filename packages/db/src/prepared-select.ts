import { Column, fillPlaceholders, is, noopDecoder, SQL } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';

/** What a prepared Drizzle select offers; prepareSelect returns the same. */
export interface PreparedSelect<Row> {
  all(params?: Record<string, unknown>): Row[];
  get(params?: Record<string, unknown>): Row | undefined;
}

/**
 * The parts of Drizzle's better-sqlite3 prepared query the faster mapping reads. They are not
 * public API (drizzle-orm is pinned); anything unexpected falls back to Drizzle's own mapping, and
 * test/prepared-select.test.ts compares both on every table.
 */
interface DrizzlePreparedInternals {
  stmt?: Statement<unknown[]>;
  query?: { params?: unknown[] };
  fields?: { path?: unknown; field?: unknown }[];
  customResultMapper?: unknown;
}

type Decode = (value: unknown) => unknown;
interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

/** The column's or expression's decoder; undefined where Drizzle returns the value as it is. */
function decoderOf(field: unknown): Decode | undefined {
  // An expression's decoder (`sql<T>`...`.mapWith(...)`) is not in Drizzle's public types.
  const decoder: Decoder | undefined = is(field, Column)
    ? field
    : is(field, SQL)
      ? (field as unknown as { decoder: Decoder }).decoder
      : is(field, SQL.Aliased)
        ? (field.sql as unknown as { decoder: Decoder }).decoder
        : undefined;
  if (
    !decoder ||
    decoder === noopDecoder ||
    decoder.mapFromDriverValue === Column.prototype.mapFromDriverValue
  ) {
    return undefined;
  }
  return (value) => decoder.mapFromDriverValue(value);
}

/**
 * Drizzle's `prepare()` of a select, with a faster row mapping when the selection is flat (no
 * joined tables as nested objects): the statement returns arrays and one loop turns each into the
 * row object. Drizzle's own mapping walks each column's path with an iterator and checks its type
 * on every row; on a 20-row list page that cost a quarter of the call (more than SQLite building
 * the row objects itself). Same rows, same decoding (booleans, JSON columns).
 */
export function prepareSelect<Row>(query: { prepare(): PreparedSelect<Row> }): PreparedSelect<Row> {
  const prepared = query.prepare();
  const {
    stmt,
    query: compiled,
    fields,
    customResultMapper,
  } = prepared as unknown as DrizzlePreparedInternals;
  const params = compiled?.params;
  if (!stmt || !params || !Array.isArray(fields) || customResultMapper) return prepared;
  const columns: { key: string; decode: Decode | undefined }[] = [];
  for (const { path, field } of fields) {
    if (!Array.isArray(path) || path.length !== 1 || typeof path[0] !== 'string') return prepared;
    if (!is(field, Column) && !is(field, SQL) && !is(field, SQL.Aliased)) return prepared;
    columns.push({ key: path[0], decode: decoderOf(field) });
  }
  const toRow = (values: unknown[]): Row => {
    const row: Record<string, unknown> = {};
    columns.forEach(({ key, decode }, i) => {
      const value = values[i];
      row[key] = value === null || decode === undefined ? value : decode(value);
    });
    return row as Row;
  };
  const bind = (values?: Record<string, unknown>) => fillPlaceholders(params, values ?? {});
  return {
    all(values) {
      return (stmt.raw(true).all(...bind(values)) as unknown[][]).map(toRow);
    },
    get(values) {
      const row = stmt.raw(true).get(...bind(values)) as unknown[] | undefined;
      return row === undefined ? undefined : toRow(row);
    },
  };
}
