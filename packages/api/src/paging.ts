import { InvalidInputError } from '@aura/db';
import { asc, desc, eq, sql, type Placeholder, type SQL, type SQLWrapper } from 'drizzle-orm';
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

/**
 * A cursor of `list` positioned after a row with these sort keys (what `Keyset.page` hands out;
 * the benches build deep-page cursors with it).
 */
export function encodeCursor(list: string, keys: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...keys]), 'utf8').toString('base64url');
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

type KeyValue = string | number | Placeholder;

/** Declares a list's order once; see Keyset. */
export function keyset<Row>(
  list: string,
  keys: readonly [SortKey<Row>, ...SortKey<Row>[]],
): Keyset<Row> {
  const orderBy = keys.map(({ column, direction }) =>
    direction === 'desc' ? desc(column as SQL) : asc(column as SQL),
  );
  const strict = (key: SortKey<Row>, value: KeyValue) =>
    key.direction === 'desc' ? sql`${key.column} < ${value}` : sql`${key.column} > ${value}`;
  // (k1, k2, …) after (v1, v2, …) in the keys' directions: k1 beyond v1, or equal and the rest
  // after (built from the least significant key up). The leading non-strict range on k1 lets the
  // index seek instead of scanning. `values` has one value per key (checked by the callers).
  const condition = (values: KeyValue[]): SQL => {
    const pairs = keys.map((key, i) => ({ key, value: values[i] as KeyValue }));
    const [last, ...higher] = pairs.reverse() as [(typeof pairs)[number], ...typeof pairs];
    const beyond = higher.reduce(
      (rest, { key, value }) =>
        sql`(${strict(key, value)} or (${eq(key.column as SQL, value)} and ${rest}))`,
      strict(last.key, last.value),
    );
    const [first] = keys;
    const firstValue = values[0] as KeyValue;
    const seek =
      first.direction === 'desc'
        ? sql`${first.column} <= ${firstValue}`
        : sql`${first.column} >= ${firstValue}`;
    return sql`(${seek} and ${beyond})`;
  };
  const checked = (cursor: PageCursor): (string | number)[] => {
    const fits =
      cursor.list === list &&
      cursor.keys.length === keys.length &&
      keys.every((key, i) => typeof cursor.keys[i] === (key.numeric ? 'number' : 'string'));
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
            ? encodeCursor(
                list,
                keys.map((key) => key.of(last)),
              )
            : null,
      };
    },
  };
}
