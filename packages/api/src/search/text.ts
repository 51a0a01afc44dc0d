import type { AuraDb, Sqlite } from '@aura/db';

/**
 * Search terms, the FTS5 query built from them, and the same matching done in JavaScript (for the
 * scans and the highlighted snippets). The index uses the trigram tokenizer with
 * remove_diacritics: a term matches any text holding it as a substring, ignoring case and
 * diacritics. A term (word) shorter than three characters has no trigram to look up, so the
 * callers scan instead; see `TRIGRAM`.
 */

/** The shortest term the trigram index can look up. */
export const TRIGRAM = 3;

/** Case and diacritics folded away, as the trigram tokenizer's `remove_diacritics` does. */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** Control characters become spaces (a NUL would cut the FTS query short); ends trimmed. */
export function cleanTerm(term: string): string {
  return (
    term
      .normalize('NFC')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .trim()
  );
}

/** Length in characters (code points), as the trigram tokenizer counts them. */
export function charLength(text: string): number {
  return [...text].length;
}

/**
 * An FTS5 string literal matching `text` literally: inside double quotes every character is data
 * (`*`, `NEAR`, `AND`, `:` and parentheses included); a quote is doubled. A trigram "phrase" of
 * the text is the text as a substring.
 */
export function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * The words of a search box query: split on whitespace, each a substring to find (all of them
 * must match). Words too short for the index are dropped when a longer one remains; when none
 * is long enough, `indexed` is false and the caller scans for the whole term.
 */
export function searchWords(term: string): { words: string[]; indexed: boolean } {
  const cleaned = cleanTerm(term);
  const words = [...new Set(cleaned.split(/\s+/).filter((w) => w.length > 0))];
  const long = words.filter((w) => charLength(w) >= TRIGRAM);
  if (long.length > 0) return { words: long, indexed: true };
  return { words: cleaned.length > 0 ? [cleaned] : [], indexed: false };
}

/** The FTS5 query of several words: each a literal substring, all required. */
export function ftsAllOf(words: readonly string[]): string {
  return words.map(ftsPhrase).join(' AND ');
}

// ---------------------------------------------------------------------------------------------
// The fold function for scans, registered on each connection that runs one.

/** The SQL function a scan compares with: `aura_search_fold(text)` is `foldText(text)`. */
export const FOLD_FUNCTION = 'aura_search_fold';

const registered = new WeakSet<Sqlite>();

/**
 * Registers the fold function on the connection (once). Only queries use it, never the schema
 * (triggers, indexes), so the database stays usable from a plain sqlite3 shell.
 */
export function ensureSearchFunctions(db: AuraDb): void {
  const sqlite = db.$client;
  if (registered.has(sqlite)) return;
  sqlite.function(FOLD_FUNCTION, { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? foldText(value) : null,
  );
  registered.add(sqlite);
}

// ---------------------------------------------------------------------------------------------
// Snippets.

/** A piece of a snippet: text to show, and whether it is a match to highlight. */
export interface TextSegment {
  text: string;
  match: boolean;
}

/**
 * `text` folded character by character, with the index in `text` where each folded character
 * came from (a character may fold to none or several).
 */
function foldWithMap(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let index = 0;
  for (const char of text) {
    const f = foldText(char);
    folded += f;
    origin.push(...Array.from({ length: f.length }, () => index));
    index += char.length;
  }
  origin.push(index);
  return { folded, origin };
}

/** Where the words occur in `text` (ranges in `text`'s indexes, sorted, merged). */
export function matchRanges(text: string, words: readonly string[]): [number, number][] {
  const { folded, origin } = foldWithMap(text);
  const ranges: [number, number][] = [];
  for (const word of words) {
    const needle = foldText(word);
    if (needle.length === 0) continue;
    let at = folded.indexOf(needle);
    while (at !== -1) {
      const start = origin[at] ?? 0;
      const endChar = origin[at + needle.length - 1] ?? start;
      // The end of the original character the last folded one came from.
      const end = endChar + ((text.codePointAt(endChar) ?? 0) > 0xffff ? 2 : 1);
      ranges.push([start, end]);
      at = folded.indexOf(needle, at + needle.length);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/** Characters of context shown around the first match. */
export const SNIPPET_CONTEXT = 60;
/** The longest snippet returned, in characters. */
export const SNIPPET_MAX = 200;

/**
 * A snippet of `text` around its first match, as plain-text segments with the matches marked
 * (the dashboard renders them as text, never as HTML). Without a match: the text's start.
 * `whole` keeps the full text (titles).
 */
export function snippetSegments(
  text: string,
  words: readonly string[],
  whole = false,
): TextSegment[] {
  if (text.length === 0) return [];
  const ranges = matchRanges(text, words);
  let from = 0;
  let to = text.length;
  if (!whole) {
    const first = ranges[0];
    from = first ? Math.max(0, first[0] - SNIPPET_CONTEXT) : 0;
    to = Math.min(text.length, from + SNIPPET_MAX);
    // Start and end on word boundaries where one is near.
    if (from > 0) {
      const space = text.indexOf(' ', from);
      if (space !== -1 && space < (first?.[0] ?? from + 20)) from = space + 1;
    }
    if (to < text.length) {
      const space = text.lastIndexOf(' ', to);
      const lastMatchEnd = ranges.filter((r) => r[0] < to).at(-1)?.[1] ?? from;
      if (space > Math.max(from, lastMatchEnd)) to = space;
    }
  }
  const segments: TextSegment[] = [];
  const push = (s: string, match: boolean) => {
    if (s.length === 0) return;
    const last = segments.at(-1);
    if (last?.match === match) last.text += s;
    else segments.push({ text: s, match });
  };
  if (from > 0) push('…', false);
  let at = from;
  for (const [start, end] of ranges) {
    if (end <= from || start >= to) continue;
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    push(text.slice(at, s), false);
    push(text.slice(s, e), true);
    at = e;
  }
  push(text.slice(at, to), false);
  if (to < text.length) push('…', false);
  return segments;
}
