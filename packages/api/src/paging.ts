import { and, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { z } from 'zod';
import { CURSOR_MAX } from './limits';

/**
 * Keyset paging shared by the content lists (trash, assets, checkpoints, recovery): an opaque
 * base64url cursor holding the list's name and the sort key(s) of the last row, a limit of 1..100,
 * and `{ items, nextCursor }` pages.
 */

export const PAGE_DEFAULT_LIMIT = 20;
export const PAGE_MAX_LIMIT = 100;

export const pageLimit = z.number().int().min(1).max(PAGE_MAX_LIMIT).default(PAGE_DEFAULT_LIMIT);

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Opaque to clients: base64url of the list's name and the keys of the last row of a page. */
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
