import { and, eq, getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { AuraDb } from './client';
import { ConflictError, NotFoundError } from './errors';
import { prepareSelect } from './prepared-select';

/**
 * One helper per data rule (docs/architecture.md). Every service writes through these, so the rules
 * live in one place: audit stamping, the soft-delete filter (with restore and hard delete), the
 * versioned update, and the IMMEDIATE write transaction.
 */

/** Who is acting: the authenticated principal's id, stamped into CreatedBy/ModifiedBy/DeletedBy. */
export type Actor = string | null;

/** ISO-8601 UTC with milliseconds, the format of every timestamp column. */
export function nowIso(date: Date = new Date()): string {
  return date.toISOString();
}

type Row = Record<string, unknown>;

/** Columns the data layer owns: a caller's value for them is ignored. */
const MANAGED_COLUMNS = [
  'createdAt',
  'updatedAt',
  'createdBy',
  'modifiedBy',
  'rowVersion',
  'isDeleted',
  'deletedAt',
  'deletedBy',
] as const;

function columnsOf(table: SQLiteTable): Record<string, SQLiteColumn> {
  return getTableColumns(table) as Record<string, SQLiteColumn>;
}

function hasColumn(table: SQLiteTable, key: string): boolean {
  return key in columnsOf(table);
}

function withoutManaged(values: Row): Row {
  const copy: Row = { ...values };
  for (const key of MANAGED_COLUMNS) delete copy[key];
  return copy;
}

/** Sets the columns `table` has among `stamps` on `row` (tables differ in which audit columns they carry). */
function stamp(table: SQLiteTable, row: Row, stamps: Row): Row {
  for (const [column, value] of Object.entries(stamps))
    if (hasColumn(table, column)) row[column] = value;
  return row;
}

/** Audit stamping for an insert: CreatedAt = UpdatedAt = now, CreatedBy = ModifiedBy = actor. */
export function stampInsert<T extends SQLiteTable>(
  table: T,
  values: T['$inferInsert'],
  actor: Actor,
  now: string = nowIso(),
): T['$inferInsert'] {
  return stamp(table, withoutManaged(values), {
    createdAt: now,
    updatedAt: now,
    createdBy: actor,
    modifiedBy: actor,
    rowVersion: 1,
  });
}

/** Audit stamping for an update: UpdatedAt = now, ModifiedBy = actor; creation fields untouched. */
export function stampUpdate<T extends SQLiteTable>(
  table: T,
  patch: Partial<T['$inferInsert']>,
  actor: Actor | SQL,
  now: string | SQL = nowIso(),
): Partial<T['$inferInsert']> {
  const row = withoutManaged(patch);
  // The key identifies the row, it is never patched (composite keys are named in the WHERE).
  for (const [key, column] of Object.entries(columnsOf(table))) if (column.primary) delete row[key];
  return stamp(table, row, { updatedAt: now, modifiedBy: actor });
}

/** Inserts one row with audit stamping and returns it. */
export function insertAudited<T extends SQLiteTable>(
  db: AuraDb,
  table: T,
  values: T['$inferInsert'],
  actor: Actor,
  now: string = nowIso(),
): T['$inferSelect'] {
  const row = bindableRow(table, stampInsert(table, values, actor, now));
  return preparedInsert(db, { table, keys: Object.keys(row), returning: true }).get(row);
}

/** As insertAudited, without reading the row back (a blob of a megabyte need not come back). */
export function insertAuditedWithoutReturn<T extends SQLiteTable>(
  db: AuraDb,
  table: T,
  values: T['$inferInsert'],
  actor: Actor,
  now: string = nowIso(),
): void {
  const row = bindableRow(table, stampInsert(table, values, actor, now));
  preparedInsert(db, { table, keys: Object.keys(row), returning: false }).run(row);
}

/**
 * The row's given values, plus the JS defaults (`$defaultFn`, e.g. a new id) of the columns it
 * leaves out: a prepared statement would otherwise bind the one value computed when it was built.
 * Columns still left out get their SQL default. Keys in the table's order: one statement per set
 * of columns.
 */
function bindableRow(table: SQLiteTable, values: Row): Row {
  const row: Row = {};
  for (const [key, column] of Object.entries(columnsOf(table))) {
    let value = values[key];
    if (value === undefined) value = (column.defaultFn ?? column.onUpdateFn)?.();
    if (value !== undefined) row[key] = value;
  }
  return row;
}

/**
 * The INSERT of a table and set of columns, prepared once per connection, every value a
 * placeholder (Drizzle maps each to the column's driver value when it is bound). Building and
 * compiling an INSERT of twenty columns cost more than running it.
 */
const preparedInsert = preparedPerShape(
  (shape: { table: SQLiteTable; keys: string[]; returning: boolean }) =>
    `${getTableName(shape.table)}|${shape.returning}|${shape.keys.join(',')}`,
  (db, { table, keys, returning }) => {
    const insert = db
      .insert(table)
      .values(Object.fromEntries(keys.map((key) => [key, sql.placeholder(key)])));
    return returning ? insert.returning().prepare() : insert.prepare();
  },
);

function primaryKeyOf(table: SQLiteTable): { key: string; column: SQLiteColumn } {
  const entry = Object.entries(columnsOf(table)).find(([, column]) => column.primary);
  if (!entry) throw new Error(`${getTableConfig(table).name} has no single-column primary key`);
  return { key: entry[0], column: entry[1] };
}

function tableName(table: SQLiteTable): string {
  return getTableConfig(table).name;
}

/** A table that implements the soft-delete rule. */
export type SoftDeletableTable = SQLiteTable & {
  isDeleted: SQLiteColumn;
  deletedAt: SQLiteColumn;
  deletedBy: SQLiteColumn;
};

function isSoftDeletable(table: SQLiteTable): table is SoftDeletableTable {
  return hasColumn(table, 'isDeleted');
}

/** The default-read filter: rows not soft-deleted. Every ordinary read uses it. */
export function notDeleted(table: SoftDeletableTable): SQL {
  return eq(table.isDeleted, false);
}

/**
 * The same filter as a check only: the unary `+` keeps SQLite from walking an index on IsDeleted
 * for it. For reads driven by a short list of ids (a search's matches), where the planner may
 * otherwise prefer walking an ordered covering index through every live row.
 */
export function notDeletedCheckOnly(table: SoftDeletableTable): SQL {
  return sql`+${table.isDeleted} = 0`;
}

/** The trash: only soft-deleted rows. */
export function onlyDeleted(table: SoftDeletableTable): SQL {
  return eq(table.isDeleted, true);
}

/** Reads one row by primary key, including soft-deleted rows (for error reporting and trash). */
export function findAnyById<T extends SQLiteTable>(
  db: AuraDb,
  table: T,
  id: string | number,
): T['$inferSelect'] | undefined {
  const pk = primaryKeyOf(table);
  return db
    .select()
    .from(table as SQLiteTable)
    .where(eq(pk.column, id))
    .get();
}

const liveRowById = preparedPerShape(
  (table: SQLiteTable) => getTableName(table),
  (db, table) => {
    const pk = primaryKeyOf(table);
    const id = eq(pk.column, sql.placeholder('id'));
    return prepareSelect(
      db
        .select()
        .from(table)
        .where(isSoftDeletable(table) ? and(id, notDeleted(table)) : id),
    );
  },
);

/** Reads one live row by primary key (soft-deleted rows are not found), or throws NotFoundError. */
export function getById<T extends SQLiteTable>(
  db: AuraDb,
  table: T,
  id: string | number,
): T['$inferSelect'] {
  const row = liveRowById(db, table).get({ id }) as T['$inferSelect'] | undefined;
  if (!row) throw new NotFoundError(tableName(table), id);
  return row;
}

export interface VersionedKey {
  id: string | number;
  /** The RowVersion the caller read; a stale one fails with ConflictError. */
  rowVersion: number;
}

/**
 * The versioned update: applies `patch` only if the row still has the RowVersion the caller read,
 * bumps RowVersion and stamps UpdatedAt/ModifiedBy, all in one UPDATE. A stale version throws
 * ConflictError, a missing (or soft-deleted) row NotFoundError; either way nothing is written.
 * `extra` adds SQL assignments the patch cannot express (e.g. soft-delete fields).
 */
export function versionedUpdate<T extends SQLiteTable>(
  db: AuraDb,
  table: T,
  key: VersionedKey,
  patch: Partial<T['$inferInsert']>,
  actor: Actor,
  options: { includeDeleted?: boolean; extra?: Row } = {},
): T['$inferSelect'] {
  const pk = primaryKeyOf(table);
  const columns = columnsOf(table);
  const rowVersion = columns.rowVersion;
  if (!rowVersion) throw new Error(`${tableName(table)} has no RowVersion column`);
  const set = {
    ...stampUpdate(table, patch, actor),
    ...options.extra,
    rowVersion: sql`${rowVersion} + 1`,
  };
  const conditions = [eq(pk.column, key.id), eq(rowVersion, key.rowVersion)];
  if (isSoftDeletable(table) && !options.includeDeleted) conditions.push(notDeleted(table));
  // drizzle types `get()` as always returning a row; none comes back when nothing matched.
  const updated = db
    .update(table)
    .set(set as never)
    .where(and(...conditions))
    .returning()
    .get() as T['$inferSelect'] | undefined;
  if (updated) return updated;

  const current: Row | undefined = findAnyById(db, table, key.id);
  if (!current || (isSoftDeletable(table) && !options.includeDeleted && current.isDeleted)) {
    throw new NotFoundError(tableName(table), key.id);
  }
  throw new ConflictError(tableName(table), key.id, key.rowVersion, current.rowVersion as number);
}

/** A patch whose values may also be SQL expressions (e.g. `sceneIndex + 1`). */
export type UpdatePatch<T extends SQLiteTable> = {
  [K in keyof T['$inferInsert']]?: T['$inferInsert'][K] | SQL;
};

/**
 * The SET clause of an audited write that is not `versionedUpdate` of one row: the patch stamped
 * with UpdatedAt/ModifiedBy, and RowVersion + 1 where the table has one. For bulk updates and
 * the conflict branch of an upsert. The actor and time may be SQL (a prepared statement's
 * placeholders).
 */
export function auditedSet<T extends SQLiteTable>(
  table: T,
  patch: UpdatePatch<T>,
  actor: Actor | SQL,
  now: string | SQL = nowIso(),
): Record<string, unknown> {
  const set: Row = stampUpdate(table, patch as Partial<T['$inferInsert']>, actor, now);
  const rowVersion = columnsOf(table).rowVersion;
  if (rowVersion) set.rowVersion = sql`${rowVersion} + 1`;
  return set;
}

/**
 * The bulk form of the versioned update: every row matching `where` gets the patch, UpdatedAt,
 * ModifiedBy and RowVersion + 1, in one UPDATE. No RowVersion check (the caller decided which
 * rows, inside its write transaction). Returns how many rows changed.
 */
export function auditedUpdateWhere<T extends SQLiteTable>(
  db: AuraDb,
  table: T,
  where: SQL | undefined,
  patch: UpdatePatch<T>,
  actor: Actor,
  now: string = nowIso(),
): number {
  return db
    .update(table)
    .set(auditedSet(table, patch, actor, now))
    .where(where)
    .run().changes;
}

/**
 * A row image written back as it was (undo, redo, restoring a version): every column of the
 * image, including the soft-delete fields, with RowVersion set to `rowVersion` (the caller's
 * "one past any version this id ever had") and UpdatedAt/ModifiedBy stamped for this write.
 */
export function stampRowImage<T extends SQLiteTable>(
  table: T,
  image: Record<string, unknown>,
  rowVersion: number,
  actor: Actor,
  now: string = nowIso(),
): T['$inferInsert'] {
  return stamp(table, { ...image }, { rowVersion, updatedAt: now, modifiedBy: actor });
}

/** Soft delete: marks the row deleted (DeletedAt, DeletedBy), through the versioned update. */
export function softDelete<T extends SoftDeletableTable>(
  db: AuraDb,
  table: T,
  key: VersionedKey,
  actor: Actor,
): T['$inferSelect'] {
  return versionedUpdate(db, table, key, {}, actor, {
    extra: { isDeleted: true, deletedAt: nowIso(), deletedBy: actor },
  });
}

/** Restores a soft-deleted row from the trash. A row that is not in the trash is NOT_FOUND. */
export function restoreDeleted<T extends SoftDeletableTable>(
  db: AuraDb,
  table: T,
  key: VersionedKey,
  actor: Actor,
): T['$inferSelect'] {
  const current: Row | undefined = findAnyById(db, table, key.id);
  if (!current?.isDeleted) throw new NotFoundError(`${tableName(table)} trash`, key.id);
  return versionedUpdate(db, table, key, {}, actor, {
    includeDeleted: true,
    extra: { isDeleted: false, deletedAt: null, deletedBy: null },
  });
}

/**
 * Hard delete ("forceDelete", admin only at the API): removes the row whether or not it is in the
 * trash; child rows go with it through ON DELETE CASCADE. Returns the row that was removed.
 */
export function hardDelete<T extends SQLiteTable>(
  db: AuraDb,
  table: T,
  id: string | number,
): T['$inferSelect'] {
  const pk = primaryKeyOf(table);
  const removed = db.delete(table).where(eq(pk.column, id)).returning().get();
  if (!removed) throw new NotFoundError(tableName(table), id);
  return removed;
}

/** The connection each transaction of writeTransaction runs on (see connectionOf). */
const transactionConnections = new WeakMap<object, AuraDb>();

/**
 * The connection a transaction of writeTransaction runs on; a connection is its own. A statement
 * prepared on the connection also runs inside its transactions (SQLite's transaction belongs to
 * the connection), so preparedPerShape keys its cache on this.
 */
export function connectionOf(db: AuraDb): AuraDb {
  return transactionConnections.get(db) ?? db;
}

/**
 * Runs `work` in one IMMEDIATE transaction: the write lock is taken up front, so two processes
 * (web server and worker) never deadlock upgrading a read to a write; busy_timeout makes the
 * second one wait instead of failing.
 */
export function writeTransaction<R>(db: AuraDb, work: (tx: AuraDb) => R): R {
  const connection = connectionOf(db);
  return db.transaction(
    (tx) => {
      transactionConnections.set(tx, connection);
      return work(tx as unknown as AuraDb);
    },
    { behavior: 'immediate' },
  );
}

/**
 * A query prepared once per connection and shape (e.g. a list's sort, which filters are present,
 * whether a cursor is given), values bound through placeholders: Drizzle otherwise builds and
 * compiles the SQL on every call, which costs more than running it. Called with a transaction of
 * writeTransaction, it returns the statement of the transaction's connection.
 */
export function preparedPerShape<Shape, Prepared>(
  key: (shape: Shape) => string,
  prepare: (db: AuraDb, shape: Shape) => Prepared,
): (db: AuraDb, shape: Shape) => Prepared {
  const connections = new WeakMap<AuraDb, Map<string, Prepared>>();
  return (db, shape) => {
    const connection = connectionOf(db);
    let shapes = connections.get(connection);
    if (!shapes) connections.set(connection, (shapes = new Map<string, Prepared>()));
    const k = key(shape);
    let prepared = shapes.get(k);
    if (prepared === undefined) shapes.set(k, (prepared = prepare(connection, shape)));
    return prepared;
  };
}
