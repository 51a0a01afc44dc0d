import { z } from 'zod';

/**
 * The maximum size of every field a procedure accepts, in one place (the README lists them).
 * better-sqlite3 is synchronous and every update of a row is copied into the undo log, so an
 * unbounded field costs every other request its memory and time. Over a limit is BAD_REQUEST
 * naming the field and the limit, before anything is read or written.
 */

/** Ids the service generates: UUIDs (v7). Anything else cannot name a row. */
export const UUID_LENGTH = 36;
/** Ids that are not UUIDs: seeded template ids (`system-youtube-explainer`), render job ids. */
export const ID_MAX = 64;
/** Titles and names: projects, templates, versions, tokens, authors. */
export const NAME_MAX = 200;
/** Short labels: categories, stage names, tiers, action types, wizard versions. */
export const LABEL_MAX = 100;
/** Free text written by people: descriptions, error messages. */
export const DESCRIPTION_MAX = 10_000;
/** The narration of one scene. */
export const SCRIPT_TEXT_MAX = 100_000;
/** File paths (Linux PATH_MAX). */
export const PATH_MAX = 4_096;
/** A MIME type (RFC 6838: 127 + "/" + 127). */
export const MIME_TYPE_MAX = 255;
/** An email address (RFC 5321). */
export const EMAIL_MAX = 254;
/** An export's output file name, relative to the output directory. */
export const OUTPUT_FILE_MAX = 1_024;
/** An ISO-8601 date-time (`2026-01-31T12:00:00.000+05:30` is 29). */
export const ISO_DATETIME_MAX = 64;
/** Passwords: bounded before scrypt ever sees them. */
export const PASSWORD_MAX = 1_024;
/** Search text of the lists. */
export const SEARCH_MAX = 200;
/** Opaque paging cursors (base64url of a few keys). */
export const CURSOR_MAX = 2_048;
/** Lists of ids or items in one input (a project's scene order). */
export const ID_LIST_MAX = 1_000;
/** Scenes of one project: no more than `scenes.reorder` can list, so every project stays reorderable. */
export const SCENES_PER_PROJECT_MAX = ID_LIST_MAX;
/** JSON documents (project specs, checkpoint data), as UTF-8 bytes of their JSON text. */
export const JSON_DOCUMENT_MAX_BYTES = 1_048_576;
/** A setting's value, as UTF-8 bytes of its JSON text. */
export const CONFIG_VALUE_MAX_BYTES = 65_536;
/** A user's setup wizard state, as UTF-8 bytes of its JSON text. */
export const WIZARD_STATE_MAX_BYTES = 262_144;
/** Nesting of any JSON document: deeper ones are refused before anything recurses into them. */
export const JSON_MAX_DEPTH = 64;

/** A UUID id field: a malformed one is BAD_REQUEST, never a look-up. */
export const uuidField = (what: string) =>
  z
    .string()
    .max(UUID_LENGTH)
    .pipe(z.uuid(`${what} must be a UUID`));

/** An ISO-8601 date-time with offset, normalised to the columns' UTC form with milliseconds. */
export const isoDateTimeField = () =>
  z
    .string()
    .max(ISO_DATETIME_MAX)
    .pipe(
      z.iso.datetime({ offset: true, message: 'An ISO-8601 date-time, e.g. 2026-01-31T12:00:00Z' }),
    )
    .transform((value) => new Date(value).toISOString());

/** Marks the JSON fields bounded by `boundedJson`: the limits test accepts them as bounded. */
export const boundedJsonRegistry = z.registry<{ maxBytes: number }>();

/**
 * The UTF-8 size of `value`'s JSON text, counted without building it; stops counting (and
 * returns `Infinity`) past `maxBytes` or past `JSON_MAX_DEPTH`. A value JSON cannot hold (a
 * function, `undefined`, `NaN`) counts as `null`: whether it is allowed is the field's shape to say.
 */
export function jsonSizeWithin(value: unknown, maxBytes: number): number {
  let total = 0;
  // Two parallel stacks (values and their depths): no allocation per visited value.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop() ?? 0;
    if (v === false) total += 5;
    else if (typeof v === 'number' && Number.isFinite(v)) total += String(v).length;
    else if (typeof v === 'string') total += jsonStringBytes(v, maxBytes - total);
    else if (v !== null && typeof v === 'object') {
      if (depth >= JSON_MAX_DEPTH) return Infinity;
      if (Array.isArray(v)) {
        // Brackets and commas first: a huge array is refused before its elements are queued.
        total += 2 + Math.max(0, v.length - 1);
        if (total > maxBytes) return Infinity;
        for (const element of v) {
          values.push(element);
          depths.push(depth + 1);
        }
      } else {
        total += 1; // `{`, then `"key":` and a comma or `}` per key; `{}` is 2
        let keys = 0;
        for (const key in v) {
          if (!Object.hasOwn(v, key)) continue;
          keys++;
          total += jsonStringBytes(key, maxBytes - total) + 2;
          if (total > maxBytes) return Infinity;
          values.push((v as Record<string, unknown>)[key]);
          depths.push(depth + 1);
        }
        if (keys === 0) total += 1;
      }
    } else total += 4; // null, true, and what JSON cannot hold
    if (total > maxBytes) return Infinity;
  }
  return total;
}

const SHORT_ESCAPES = new Set([8, 9, 10, 12, 13]);

/** Bytes of a JSON string literal; a string longer than `budget` bytes is not scanned. */
function jsonStringBytes(text: string, budget: number): number {
  if (text.length > budget) return Infinity;
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 2;
    // \b \t \n \f \r are two bytes; other control characters are \u00XX.
    else if (code < 0x20) bytes += SHORT_ESCAPES.has(code) ? 2 : 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff)
      bytes += 6; // a lone surrogate is written as \uXXXX
    else bytes += 3;
  }
  return bytes;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * A JSON field of at most `maxBytes` (UTF-8 of its JSON text) and `JSON_MAX_DEPTH` levels,
 * measured before `shape` (default: any JSON value) parses it.
 */
export function boundedJson<T extends z.ZodType = z.ZodJSONSchema>(maxBytes: number, shape?: T) {
  const schema = z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === undefined) ctx.addIssue({ code: 'custom', message: 'Required' });
      else if (jsonSizeWithin(value, maxBytes) > maxBytes)
        ctx.addIssue({
          code: 'custom',
          message: `At most ${maxBytes} bytes as JSON and ${JSON_MAX_DEPTH} levels deep`,
        });
    })
    .pipe((shape ?? z.json()) as T);
  boundedJsonRegistry.add(schema, { maxBytes });
  return schema;
}
