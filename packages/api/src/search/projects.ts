import { projectStates, type AuraDb } from '@aura/db';
import type { Statement } from 'better-sqlite3';
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import {
  FOLD_FUNCTION,
  TRIGRAM,
  charLength,
  cleanTerm,
  ensureSearchFunctions,
  foldText,
  ftsPhrase,
} from './text';

/**
 * How `projects.list({ search })` finds its rows. The term is one substring (as the list always
 * matched it), folded for case and diacritics, in the title or the description.
 *
 * - `index`: a term the index holds few matches of. The matching ids come from the FTS5 index
 *   and only those rows are filtered, sorted and paged: fast whatever the table's size.
 * - `scan`: a common term (or one shorter than a trigram): the list walks its ordered index as
 *   without a search and checks each row until the page is full, which for a common term is
 *   after a few rows; reading every match from the index and sorting them would cost more.
 *
 * The choice comes from the index itself: a few matches read in rowid order say how dense the
 * term is (see planProjectSearch). Both paths return the same rows in the same keyset order, so
 * a cursor of either stays valid.
 */
export type ProjectSearchPlan =
  | { mode: 'index'; ids: string; folded: string }
  | { mode: 'scan'; folded: string; pattern: string };

/** From this many matching projects on, a term is common and the ordered scan serves it. */
export const COMMON_MATCHES = 400;

/**
 * Matches read first. Fewer is the whole answer; this many estimate the total from how far into
 * the index's rowids they reach. (A phrase of common trigrams, "quiet story" at 100x, costs the
 * index about 10 µs a match: reading all 627 took 6 ms, more than the scan that serves it.)
 */
export const PROBE_MATCHES = 40;

interface SearchStatements {
  matches: Statement<unknown[]>;
  rowidRange: Statement<unknown[]>;
}
const searchStatements = new WeakMap<AuraDb, SearchStatements>();

function statementsOf(db: AuraDb): SearchStatements {
  let statements = searchStatements.get(db);
  if (!statements) {
    statements = {
      matches: db.$client.prepare<unknown[]>(
        `SELECT f.docId AS docId, k.ItemId AS id
         FROM (SELECT rowid AS docId FROM ProjectSearch WHERE ProjectSearch MATCH ? ORDER BY rowid LIMIT ?) f
         JOIN SearchKeys k ON k.DocId = f.docId`,
      ),
      // The ends of the rowids (SearchKeys numbers every indexed row, projects among them), each
      // in O(log n) through the primary key.
      rowidRange: db.$client.prepare<unknown[]>(
        `SELECT (SELECT min(DocId) FROM SearchKeys) AS first, (SELECT max(DocId) FROM SearchKeys) AS last`,
      ),
    };
    searchStatements.set(db, statements);
  }
  return statements;
}

/**
 * The projects matching an FTS5 query, in rowid order, read from the index up to `cap` (the
 * index stops there): fewer than `cap` is the whole answer.
 */
function matchingProjects(db: AuraDb, match: string, cap: number): { docId: number; id: string }[] {
  return statementsOf(db).matches.all(match, cap) as { docId: number; id: string }[];
}

/**
 * How many projects a term matches, from the first `probe.length` matches in rowid order: they
 * cover the share of the rowid range up to the last one (projects get rowids evenly over time,
 * among their scenes'). Only the choice of path depends on it, never the rows returned.
 */
function estimatedMatches(db: AuraDb, probe: { docId: number }[]): number {
  const { first, last } = statementsOf(db).rowidRange.get() as { first: number; last: number };
  const reached = (probe.at(-1)?.docId ?? last) - first + 1;
  return (probe.length * (last - first + 1)) / Math.max(reached, 1);
}

export function planProjectSearch(db: AuraDb, search: string): ProjectSearchPlan {
  const term = cleanTerm(search);
  const folded = foldText(term);
  ensureSearchFunctions(db);
  const scan = { mode: 'scan', folded, pattern: likePattern(folded) } as const;
  if (charLength(term) < TRIGRAM) return scan;
  const match = ftsPhrase(term);
  const index = (matches: { id: string }[]) =>
    ({ mode: 'index', ids: JSON.stringify(matches.map((m) => m.id)), folded }) as const;
  const probe = matchingProjects(db, match, PROBE_MATCHES);
  if (probe.length < PROBE_MATCHES) return index(probe);
  if (estimatedMatches(db, probe) >= COMMON_MATCHES) return scan;
  // Probably rare: read them all, unless the estimate was wrong and there are many after all.
  const all = matchingProjects(db, match, COMMON_MATCHES);
  return all.length < COMMON_MATCHES ? index(all) : scan;
}

/** A LIKE pattern matching `text` anywhere, its wildcards escaped with `\`. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The shape part of a plan, for the list's prepared-statement cache. */
export function projectSearchShape(plan: ProjectSearchPlan | undefined): string {
  return plan ? `q${plan.mode[0] ?? ''}` : '';
}

/** The list's WHERE condition of a plan; `value` binds (or names the placeholder of) a value. */
export function projectSearchCondition(
  plan: ProjectSearchPlan,
  value: <T>(name: string, v: T) => T | Placeholder,
): SQL {
  if (plan.mode === 'index') {
    // The ids drive the query (the primary key looks each one up); the page's order is then a
    // sort of fewer than COMMON_MATCHES rows.
    return sql`${projectStates.id} IN (SELECT value FROM json_each(${value('ids', plan.ids)}))`;
  }
  // A row of ASCII text folds to its lower case, which LIKE compares natively (about 0.3 µs a
  // row against 2 µs through the fold function); only text with other characters goes through
  // it. (A byte count equal to the character count means every character is ASCII.)
  const pattern = value('pattern', plan.pattern);
  const folded = value('folded', plan.folded);
  const contains = (column: typeof projectStates.title | typeof projectStates.description) =>
    sql`CASE WHEN length(${column}) = length(CAST(${column} AS BLOB)) THEN ${column} LIKE ${pattern} ESCAPE '\\' ELSE instr(${sql.raw(FOLD_FUNCTION)}(${column}), ${folded}) > 0 END`;
  return sql`(${contains(projectStates.title)} OR ${contains(projectStates.description)})`;
}

/** The placeholder values of a plan. */
export function projectSearchParams(plan: ProjectSearchPlan | undefined): Record<string, string> {
  if (!plan) return {};
  return plan.mode === 'index' ? { ids: plan.ids } : { folded: plan.folded, pattern: plan.pattern };
}

/**
 * The plan of each parsed list query, made once per call: the list's shape key, its SQL and its
 * parameters all read the same plan (a plan depends on the index's counts, so it is not a
 * function of the input alone).
 */
export const projectSearchPlans = new WeakMap<object, ProjectSearchPlan>();

/** The search plan of a list query (made on first use); undefined without a search. */
export function projectSearchPlanOf(
  db: AuraDb,
  query: { search?: string | undefined },
): ProjectSearchPlan | undefined {
  if (!query.search) return undefined;
  let plan = projectSearchPlans.get(query);
  if (!plan) projectSearchPlans.set(query, (plan = planProjectSearch(db, query.search)));
  return plan;
}
