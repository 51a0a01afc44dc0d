import type { Sqlite } from './client';

/**
 * The full-text search index (migration 0008_full_text_search): FTS5 tables with the trigram
 * tokenizer, kept in sync by triggers, and the key table that maps each indexed row to its FTS
 * rowid. It is derived data: rebuildable from the rows, never a source of truth.
 */

/** What a search hit is; the `Kind` column of SearchKeys. */
export const SEARCH_KINDS = ['project', 'scene', 'template', 'customTemplate'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const SEARCH_KEY_TABLE = 'SearchKeys';

/** The FTS5 tables; each has the shadow tables FTS5 creates (`<name>_data`, `_idx`, …). */
export const SEARCH_FTS_TABLES = ['ProjectSearch', 'SceneSearch', 'TemplateSearch'] as const;

/** The source rows each kind indexes: table, FTS table and which rows are live. */
export const SEARCH_SOURCES: Record<
  SearchKind,
  { table: string; fts: (typeof SEARCH_FTS_TABLES)[number]; live: string }
> = {
  project: { table: 'ProjectStates', fts: 'ProjectSearch', live: '"IsDeleted" = 0' },
  scene: { table: 'SceneStates', fts: 'SceneSearch', live: '1' },
  template: { table: 'Templates', fts: 'TemplateSearch', live: '1' },
  customTemplate: { table: 'CustomTemplates', fts: 'TemplateSearch', live: '"IsDeleted" = 0' },
};

/** FTS5's shadow tables of a virtual table (those that exist: contentless tables have fewer). */
const SHADOW_SUFFIXES = ['_data', '_idx', '_content', '_docsize', '_config'];

/**
 * Every table of the search index present in this database: the FTS5 virtual tables (any, not
 * only ours), their shadow tables, and the key table. Schema introspection lists them apart from
 * the application's tables.
 */
export function searchIndexTables(sqlite: Sqlite): string[] {
  const rows = sqlite
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`)
    .all() as { name: string; sql: string | null }[];
  const fts = rows
    .filter((r) => r.sql !== null && /^CREATE VIRTUAL TABLE\b[\s\S]*\bUSING\s+fts5\b/i.test(r.sql))
    .map((r) => r.name);
  const owned = new Set(fts.flatMap((name) => [name, ...SHADOW_SUFFIXES.map((s) => name + s)]));
  if (rows.some((r) => r.name === SEARCH_KEY_TABLE)) owned.add(SEARCH_KEY_TABLE);
  return rows.map((r) => r.name).filter((name) => owned.has(name));
}

function hasTable(sqlite: Sqlite, name: string): boolean {
  return (
    sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !==
    undefined
  );
}

/**
 * Differences between the live rows and the search index, as readable lines: a kind whose live
 * row count differs from its key count, a key without its FTS document or the reverse. Empty when
 * in sync (or when the index does not exist yet: an unmigrated database is another check's).
 */
export function searchIndexProblems(sqlite: Sqlite): string[] {
  if (!hasTable(sqlite, SEARCH_KEY_TABLE)) return [];
  const problems: string[] = [];
  const count = (source: string) =>
    (sqlite.prepare(`SELECT count(*) AS n FROM ${source}`).get() as { n: number }).n;
  for (const kind of SEARCH_KINDS) {
    const { table, live } = SEARCH_SOURCES[kind];
    const rows = count(`"${table}" WHERE ${live}`);
    const keys = count(`"${SEARCH_KEY_TABLE}" WHERE "Kind" = '${kind}'`);
    if (rows !== keys) problems.push(`${kind}: ${rows} live row(s) but ${keys} indexed`);
    const unmatched = count(
      `"${SEARCH_KEY_TABLE}" k WHERE k."Kind" = '${kind}' AND NOT EXISTS (SELECT 1 FROM "${table}" t WHERE t."Id" = k."ItemId" AND ${live})`,
    );
    if (unmatched > 0) problems.push(`${kind}: ${unmatched} index key(s) of no live row`);
  }
  for (const fts of SEARCH_FTS_TABLES) {
    const kinds = SEARCH_KINDS.filter((k) => SEARCH_SOURCES[k].fts === fts)
      .map((k) => `'${k}'`)
      .join(', ');
    const docs = count(`"${fts}"`);
    const keys = count(`"${SEARCH_KEY_TABLE}" WHERE "Kind" IN (${kinds})`);
    if (docs !== keys) problems.push(`${fts}: ${docs} document(s) for ${keys} key(s)`);
  }
  return problems;
}

export interface SearchMergeResult {
  /** Merge steps that did work (each its own IMMEDIATE transaction). */
  steps: number;
  /** How long each transaction held the write lock (wall clock, ms), the last no-op ones too. */
  lockMs: number[];
  /** The most CPU time one transaction used (ms). */
  maxLockCpuMs: number;
  /** Whether every index is one segment now (false: the step budget ran out; the next run goes on). */
  done: boolean;
}

/**
 * Merges each FTS index's segments, a bounded amount of work per write transaction. Every write
 * adds a small segment and FTS5 merges them only in part as it goes, so after many writes a
 * query reads each trigram's list from many segments: at 100x a phrase query of common trigrams
 * paid 0.7 ms before finding its first match. FTS5's `'merge', -N` moves every segment to one
 * level and merges about N leaf pages, so repeated steps end in one segment, as 'optimize' does,
 * without holding the write lock for seconds. A step that merged nothing changes fewer than two
 * rows (FTS5's documented signal), and the index is then done.
 */
export function mergeSearchIndexes(
  sqlite: Sqlite,
  options: { pagesPerStep?: number; maxSteps?: number } = {},
): SearchMergeResult {
  const pages = options.pagesPerStep ?? 64;
  const maxSteps = options.maxSteps ?? 2_000;
  const result: SearchMergeResult = { steps: 0, lockMs: [], maxLockCpuMs: 0, done: false };
  const totalChanges = sqlite.prepare('SELECT total_changes()').pluck();
  for (const fts of SEARCH_FTS_TABLES) {
    if (!hasTable(sqlite, fts)) continue;
    const merge = sqlite.prepare(`INSERT INTO "${fts}"("${fts}", rank) VALUES ('merge', ?)`);
    const step = sqlite.transaction(() => {
      const before = totalChanges.get() as number;
      merge.run(-pages);
      return (totalChanges.get() as number) - before;
    });
    for (;;) {
      if (result.steps >= maxSteps) return result;
      const started = performance.now();
      const cpu = process.cpuUsage();
      const changes = step.immediate();
      const used = process.cpuUsage(cpu);
      result.lockMs.push(performance.now() - started);
      result.maxLockCpuMs = Math.max(result.maxLockCpuMs, (used.user + used.system) / 1000);
      if (changes < 2) break;
      result.steps++;
    }
  }
  result.done = true;
  return result;
}
