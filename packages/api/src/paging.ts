import { InvalidInputError, type AuraDb } from '@aura/db';
import {
  and,
  asc,
  desc,
  eq,
  or,
  sql,
  type Placeholder,
  type SQL,
  type SQLWrapper,
} from 'drizzle-orm';
import { z } from 'zod';
import { CURSOR_MAX } from './limits';

/**
 * Keyset paging, the one way every list pages: a list declares its sort keys once (`keyset`),
 * and gets its ORDER BY, the "after the cursor" condition and the page cut from them. Cursors
 * are opaque to clients (base64url of the list's name and the sort keys of a page's last row); a
 * malformed cursor, or one of another list or sort order, is BAD_REQUEST on `cursor`. Pages are
 * `{ items, nextCursor }` with a limit of 1..100.
 */

export const PAGE_DEFAULT_LIMIT = 20;
export const PAGE_MAX_LIMIT = 100;

export const pageLimit = z.number().int().min(1).max(PAGE_MAX_LIMIT).default(PAGE_DEFAULT_LIMIT);

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** @deprecated by `keyset`. Opaque to clients: the list's name and the keys of a page's last row. */
export function encodeCursor(list: string, keys: readonly string[]): string {
  return Buffer.from(JSON.stringify([list, ...keys]), 'utf8').toString('base64url');
}

/** The keys of a cursor of `list` with `arity` keys, or null when it is forged or foreign. */
export function decodeCursor(list: string, arity: number, value: string): string[] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== arity + 1 || parsed[0] !== list) return null;
    const keys = parsed.slice(1) as unknown[];
    if (!keys.every((key) => typeof key === 'string' && key.length > 0)) return null;
    return keys as string[];
  } catch {
    return null;
  }
}

/** A `cursor` input field of `list`: decoded here, so a forged one is BAD_REQUEST on `cursor`. */
export function cursorField(list: string, arity: number) {
  return decodedCursorField((value) => decodeCursor(list, arity, value));
}

/** A `cursor` input field decoded by `decode` (null: not a cursor of this list → BAD_REQUEST). */
export function decodedCursorField<T>(decode: (value: string) => T | null, maxLength = CURSOR_MAX) {
  return z
    .string()
    .max(maxLength)
    .nullish()
    .transform((value, ctx): T | null => {
      if (value === null || value === undefined || value === '') return null;
      const keys = decode(value);
      if (!keys) {
        ctx.addIssue({
          code: 'custom',
          message: 'Invalid cursor; start again from the first page',
        });
        return z.NEVER;
      }
      return keys;
    });
}

/**
 * The keyset condition "after (key, id)" for ORDER BY key, id (both in `direction`): a plain range
 * on the key the index can seek on, refined by the Id tie-breaker.
 */
export function keysetAfter(
  direction: 'asc' | 'desc',
  key: SQLWrapper,
  keyValue: string,
  id: SQLWrapper,
  idValue: string,
): SQL {
  return direction === 'desc'
    ? and(sql`${key} <= ${keyValue}`, or(sql`${key} < ${keyValue}`, sql`${id} < ${idValue}`))!
    : and(sql`${key} >= ${keyValue}`, or(sql`${key} > ${keyValue}`, sql`${id} > ${idValue}`))!;
}

/** Cuts the `limit + 1` rows a list query fetched into a page and the cursor after its last row. */
export function toPage<T>(
  rows: T[],
  limit: number,
  list: string,
  keysOf: (row: T) => string[],
): Page<T> {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last ? encodeCursor(list, keysOf(last)) : null };
}

// ---------------------------------------------------------------------------------------------

/** A decoded cursor: the list (and sort order) it was cut from and the last row's sort keys. */
export interface PageCursor {
  list: string;
  keys: (string | number)[];
}

function decodePageCursor(value: string): PageCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length < 2 || typeof parsed[0] !== 'string') return null;
    const keys = parsed.slice(1) as unknown[];
    const valid = keys.every(
      (key) => typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)),
    );
    return valid ? { list: parsed[0], keys: keys as (string | number)[] } : null;
  } catch {
    return null;
  }
}

const INVALID_CURSOR = 'Invalid cursor; start again from the first page';

/** The `cursor` input field of every list: absent/null/'' for the first page. */
export const pageCursor = z
  .string()
  .max(CURSOR_MAX)
  .nullish()
  .transform((value, ctx): PageCursor | null => {
    if (value === null || value === undefined || value === '') return null;
    const cursor = decodePageCursor(value);
    if (!cursor) {
      ctx.addIssue({ code: 'custom', message: INVALID_CURSOR });
      return z.NEVER;
    }
    return cursor;
  });

/** One sort key of a list, most significant first; the last one must be unique (the row id). */
export interface SortKey<Row> {
  /** What is ordered by; a plain column (or `column COLLATE NOCASE`) an index can seek on. */
  column: SQLWrapper;
  direction: 'asc' | 'desc';
  /** This key's value in a row as the list query selects it. */
  of: (row: Row) => string | number;
  /** A number key (e.g. a version number); string otherwise. */
  numeric?: boolean;
}

export interface Keyset<Row> {
  /** The list's name in its cursors (include the sort order where a list has several). */
  readonly list: string;
  readonly orderBy: SQL[];
  /**
   * The condition "after the cursor's row" in this order (undefined on the first page). A cursor
   * of another list or sort order is InvalidInputError on `cursor`.
   */
  after(cursor: PageCursor | null): SQL | undefined;
  /**
   * The same condition with placeholders (`after0`, `after1`, …) for a query prepared once;
   * bind them with `cursorParams(cursor)`.
   */
  afterPlaceholders(): SQL;
  /** The placeholder values of a cursor; one of another list or order is as for `after`. */
  cursorParams(cursor: PageCursor): Record<string, string | number>;
  /** Cuts the `limit + 1` rows the query fetched into a page and the cursor after its last row. */
  page<R extends Row>(rows: R[], limit: number): Page<R>;
}

/** Declares a list's order once; see Keyset. */
export function keyset<Row>(list: string, keys: readonly SortKey<Row>[]): Keyset<Row> {
  const orderBy = keys.map(({ column, direction }) =>
    direction === 'desc' ? desc(column as SQL) : asc(column as SQL),
  );
  const strict = (key: SortKey<Row>, value: string | number | Placeholder) =>
    key.direction === 'desc' ? sql`${key.column} < ${value}` : sql`${key.column} > ${value}`;
  // (k1, k2, …) after (v1, v2, …) in the keys' directions: k1 beyond v1, or equal and the rest
  // after. The leading non-strict range on k1 lets the index seek instead of scanning.
  const beyond = (values: (string | number | Placeholder)[], i: number): SQL => {
    const key = keys[i]!;
    const value = values[i]!;
    if (i === keys.length - 1) return strict(key, value);
    return or(strict(key, value), and(eq(key.column as SQL, value), beyond(values, i + 1)))!;
  };
  const condition = (values: (string | number | Placeholder)[]): SQL => {
    const [first] = keys;
    const seek =
      first!.direction === 'desc'
        ? sql`${first!.column} <= ${values[0]!}`
        : sql`${first!.column} >= ${values[0]!}`;
    return sql`(${seek} and ${beyond(values, 0)})`;
  };
  const checked = (cursor: PageCursor): (string | number)[] => {
    const fits =
      cursor.list === list &&
      cursor.keys.length === keys.length &&
      cursor.keys.every((value, i) => typeof value === (keys[i]!.numeric ? 'number' : 'string'));
    if (!fits) throw new InvalidInputError('cursor', INVALID_CURSOR);
    return cursor.keys;
  };
  return {
    list,
    orderBy,
    after(cursor) {
      return cursor ? condition(checked(cursor)) : undefined;
    },
    afterPlaceholders() {
      return condition(keys.map((_, i) => sql.placeholder(`after${i}`)));
    },
    cursorParams(cursor) {
      return Object.fromEntries(checked(cursor).map((value, i) => [`after${i}`, value]));
    },
    page(rows, limit) {
      const hasMore = rows.length > limit;
      const items = hasMore ? rows.slice(0, limit) : rows;
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          hasMore && last
            ? Buffer.from(
                JSON.stringify([list, ...keys.map((key) => key.of(last))]),
                'utf8',
              ).toString('base64url')
            : null,
      };
    },
  };
}

/**
 * A list query prepared once per connection and shape (its sort, which filters are present,
 * whether a cursor is given), values bound through placeholders: Drizzle otherwise builds and
 * compiles the SQL on every call, which costs more than running it.
 */
export function preparedPerShape<Shape, Prepared>(
  key: (shape: Shape) => string,
  prepare: (db: AuraDb, shape: Shape) => Prepared,
): (db: AuraDb, shape: Shape) => Prepared {
  const connections = new WeakMap<AuraDb, Map<string, Prepared>>();
  return (db, shape) => {
    let shapes = connections.get(db);
    if (!shapes) connections.set(db, (shapes = new Map()));
    const k = key(shape);
    let prepared = shapes.get(k);
    if (prepared === undefined) shapes.set(k, (prepared = prepare(db, shape)));
    return prepared;
  };
}
