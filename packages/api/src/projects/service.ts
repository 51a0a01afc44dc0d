import { notDeleted, projectStates, type AuraDb } from '@aura/db';
import { and, asc, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import { encodeProjectCursor, type ProjectListQuery, type ProjectSort } from './schema';

/** The columns the project list shows (the JSON specs stay out of lists). */
export const projectListColumns = {
  id: projectStates.id,
  title: projectStates.title,
  description: projectStates.description,
  status: projectStates.status,
  currentStage: projectStates.currentStage,
  progressPercent: projectStates.progressPercent,
  updatedAt: projectStates.updatedAt,
  createdAt: projectStates.createdAt,
  rowVersion: projectStates.rowVersion,
};

interface SortSpec {
  /** The expression ordered by (and compared against the cursor key). */
  key: SQL;
  direction: 'asc' | 'desc';
  keyOf: (row: { updatedAt: string; createdAt: string; title: string }) => string;
}

const SORTS: Record<ProjectSort, SortSpec> = {
  updated: { key: sql`${projectStates.updatedAt}`, direction: 'desc', keyOf: (r) => r.updatedAt },
  created: { key: sql`${projectStates.createdAt}`, direction: 'desc', keyOf: (r) => r.createdAt },
  title: {
    key: sql`${projectStates.title} COLLATE NOCASE`,
    direction: 'asc',
    keyOf: (r) => r.title,
  },
};

/** LIKE pattern matching `text` literally as a substring (with ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The list query (limit + 1 rows, to know whether another page follows). Exposed for the
 * EXPLAIN QUERY PLAN tests.
 */
export function buildProjectListQuery(db: AuraDb, query: ProjectListQuery) {
  const spec = SORTS[query.sort];
  const conditions: SQL[] = [notDeleted(projectStates)];
  if (query.status) conditions.push(eq(projectStates.status, query.status));
  if (query.stage) conditions.push(eq(projectStates.currentStage, query.stage));
  if (query.search) {
    const pattern = likeContains(query.search);
    conditions.push(
      or(
        sql`${projectStates.title} LIKE ${pattern} ESCAPE '\\'`,
        sql`${projectStates.description} LIKE ${pattern} ESCAPE '\\'`,
      )!,
    );
  }
  if (query.cursor) {
    // Keyset paging: key <= k AND (key < k OR Id < id) for descending order (mirrored for
    // ascending). The first term is a plain range the index can seek on.
    const { key, id } = query.cursor;
    conditions.push(
      spec.direction === 'desc'
        ? sql`${spec.key} <= ${key} AND (${spec.key} < ${key} OR ${projectStates.id} < ${id})`
        : sql`${spec.key} >= ${key} AND (${spec.key} > ${key} OR ${projectStates.id} > ${id})`,
    );
  }
  const order = spec.direction === 'desc' ? desc : asc;
  return db
    .select(projectListColumns)
    .from(projectStates)
    .where(and(...conditions))
    .orderBy(order(spec.key), order(projectStates.id))
    .limit(query.limit + 1);
}

export type ProjectListItem = Awaited<
  ReturnType<ReturnType<typeof buildProjectListQuery>['all']>
>[number];

export interface ProjectListPage {
  items: ProjectListItem[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * One page of live (not soft-deleted) projects. Takes the parsed input (defaults applied, cursor
 * decoded): callers outside tRPC parse with `projectListInput.parse(raw)` first.
 */
export function listProjects(db: AuraDb, query: ProjectListQuery): ProjectListPage {
  const rows = buildProjectListQuery(db, query).all();
  const hasMore = rows.length > query.limit;
  const items = hasMore ? rows.slice(0, query.limit) : rows;
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      hasMore && last
        ? encodeProjectCursor({ sort: query.sort, key: SORTS[query.sort].keyOf(last), id: last.id })
        : null,
  };
}
