import { projectStates, type AuraDb } from '@aura/db';
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
 * The choice comes from the index's own count of matches, bounded at `COMMON_MATCHES`. Both
 * paths return the same rows in the same keyset order, so a cursor of either stays valid.
 */
export type ProjectSearchPlan =
  { mode: 'index'; ids: string; folded: string } | { mode: 'scan'; folded: string };

/** From this many matching projects on, a term is common and the ordered scan serves it. */
export const COMMON_MATCHES = 400;

const idStatements = new WeakMap<AuraDb, { all(match: string, cap: number): unknown[] }>();

/**
 * The ids of the projects matching an FTS5 query, read from the index up to `cap` (the index
 * stops there): fewer than `cap` is the whole answer, `cap` means "common".
 */
export function matchingProjectIds(db: AuraDb, match: string, cap: number): string[] {
  let statement = idStatements.get(db);
  if (!statement) {
    statement = db.$client.prepare<[string, number]>(
      `SELECT k.ItemId AS id FROM (SELECT rowid AS docId FROM ProjectSearch WHERE ProjectSearch MATCH ? LIMIT ?) f
       JOIN SearchKeys k ON k.DocId = f.docId`,
    );
    idStatements.set(db, statement);
  }
  return (statement.all(match, cap) as { id: string }[]).map((row) => row.id);
}

export function planProjectSearch(db: AuraDb, search: string): ProjectSearchPlan {
  const term = cleanTerm(search);
  const folded = foldText(term);
  ensureSearchFunctions(db);
  if (charLength(term) < TRIGRAM) return { mode: 'scan', folded };
  // One read of the index gives both the decision and, for a rare term, the answer.
  const ids = matchingProjectIds(db, ftsPhrase(term), COMMON_MATCHES);
  return ids.length < COMMON_MATCHES
    ? { mode: 'index', ids: JSON.stringify(ids), folded }
    : { mode: 'scan', folded };
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
  const folded = value('folded', plan.folded);
  return sql`(instr(${sql.raw(FOLD_FUNCTION)}(${projectStates.title}), ${folded}) > 0 OR instr(${sql.raw(FOLD_FUNCTION)}(${projectStates.description}), ${folded}) > 0)`;
}

/** The placeholder values of a plan. */
export function projectSearchParams(plan: ProjectSearchPlan | undefined): Record<string, string> {
  if (!plan) return {};
  return plan.mode === 'index' ? { ids: plan.ids } : { folded: plan.folded };
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
