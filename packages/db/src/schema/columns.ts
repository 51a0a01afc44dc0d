import { sql, type SQL } from 'drizzle-orm';
import { check, integer, text } from 'drizzle-orm/sqlite-core';
import { v7 as uuidv7 } from 'uuid';

/**
 * Column builders shared by every table. Physical names are the specification's PascalCase
 * names, always spelled out (drizzle's `casing` option would break views and is wrong anyway).
 */

/** ISO-8601 UTC text with milliseconds, e.g. 2026-11-22T10:00:00.000Z: readable and sortable. */
export const SQL_NOW = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/** Text UUID primary key; v7 is time-ordered, so B-tree inserts stay local. */
export const uuidPk = () =>
  text('Id')
    .primaryKey()
    .$defaultFn(() => uuidv7());

export const newId = () => uuidv7();

export const timestamp = (name: string) => text(name);

/** 0/1 integer exposed as a boolean. */
export const bool = (name: string) => integer(name, { mode: 'boolean' });

/** CreatedAt/UpdatedAt (set by the data layer) and CreatedBy/ModifiedBy (from the principal). */
export const auditColumns = () => ({
  createdAt: text('CreatedAt').notNull().default(SQL_NOW),
  updatedAt: text('UpdatedAt').notNull().default(SQL_NOW),
  createdBy: text('CreatedBy'),
  modifiedBy: text('ModifiedBy'),
});

/** Optimistic concurrency token: every update names the version it read and bumps it. */
export const rowVersionColumn = () => ({
  rowVersion: integer('RowVersion').notNull().default(1),
});

export const softDeleteColumns = () => ({
  isDeleted: bool('IsDeleted').notNull().default(false),
  deletedAt: text('DeletedAt'),
  deletedBy: text('DeletedBy'),
});

/** CHECK that a column only holds one of the listed values. */
export const oneOf = (table: string, column: string, values: readonly string[]) =>
  check(
    `CK_${table}_${column}`,
    sql.raw(`"${column}" IN (${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`),
  );

/** CHECK that a nullable text column holds well-formed JSON when set. */
export const jsonOrNull = (table: string, column: string) =>
  check(`CK_${table}_${column}_Json`, sql.raw(`"${column}" IS NULL OR json_valid("${column}")`));

export const checkSql = (name: string, expr: SQL) => check(name, expr);
