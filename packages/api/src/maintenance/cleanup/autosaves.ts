import {
  notDeleted,
  projectStates,
  projectVersions,
  writeTransaction,
  type AuraDb,
} from '@aura/db';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { DEFAULT_RETENTION } from '../../versions/retention';
import { pruneAutosavesInTransaction } from '../../versions/service';
import {
  batchSizeOf,
  lockFigures,
  meterWrites,
  noteProblem,
  settingsOf,
  type CleanupOptions,
  type RowProblems,
  type WriteLockStats,
} from './shared';

export interface AutosavePruning extends RowProblems, WriteLockStats {
  keepLast: number;
  projectsChecked: number;
  /** Projects that lost at least one autosave. */
  projectsPruned: number;
  /** Autosaves purged (their blob references released). */
  versionsPruned: number;
}

/** One page of project ids (keyset on the primary key). Exposed for EXPLAIN tests. */
export function buildProjectIdPageQuery(db: AuraDb, after: string | null, limit: number) {
  return db
    .select({ id: projectStates.id })
    .from(projectStates)
    .where(after === null ? undefined : gt(projectStates.id, after))
    .orderBy(asc(projectStates.id))
    .limit(limit);
}

/**
 * Which of `projectIds` hold more prunable autosaves (live, not important) than `keepLast`: only
 * those can lose any. Exposed for EXPLAIN tests.
 */
export function buildAutosaveCountQuery(db: AuraDb, projectIds: string[], keepLast: number) {
  return db
    .select({ projectId: projectVersions.projectId, n: sql<number>`count(*)` })
    .from(projectVersions)
    .where(
      and(
        inArray(projectVersions.projectId, projectIds),
        eq(projectVersions.versionType, 'Autosave'),
        eq(projectVersions.isMarkedImportant, false),
        notDeleted(projectVersions),
      ),
    )
    .groupBy(projectVersions.projectId)
    .having(sql`count(*) > ${keepLast}`);
}

/**
 * The version history's retention policy over every project (trash included): the newest
 * Retention.AutosaveKeepLast autosaves, plus one a day for 7 days and one a week for 4 weeks, are
 * kept; manual saves, restore points and important versions never are candidates. Each project is
 * pruned in its own transaction by the versions service (pruneAutosavesInTransaction), so this
 * job pages through the projects outside a transaction instead of using the batch loop.
 */
export function pruneAllAutosaves(db: AuraDb, options: CleanupOptions = {}): AutosavePruning {
  const now = options.now ?? new Date();
  const keepLast = settingsOf(db, options)['Retention.AutosaveKeepLast'];
  const policy = { ...DEFAULT_RETENTION, keepLast };
  const limit = batchSizeOf(options);
  const { db: metered, stats } = meterWrites(db);
  const result = {
    keepLast,
    projectsChecked: 0,
    projectsPruned: 0,
    versionsPruned: 0,
    skipped: 0,
    problems: [] as string[],
  };
  let after: string | null = null;
  for (;;) {
    const ids: string[] = buildProjectIdPageQuery(db, after, limit)
      .all()
      .map((r) => r.id);
    const last = ids.at(-1);
    if (last === undefined) break;
    result.projectsChecked += ids.length;
    after = last;
    for (const { projectId } of buildAutosaveCountQuery(db, ids, keepLast).all()) {
      // A project whose history cannot be read (a broken stored timeline) is logged and skipped.
      let pruned: string[];
      try {
        pruned = writeTransaction(metered, (tx) =>
          pruneAutosavesInTransaction(tx, projectId, now, policy),
        );
      } catch (error) {
        noteProblem(result, `project ${projectId}`, error);
        continue;
      }
      if (pruned.length > 0) {
        result.projectsPruned += 1;
        result.versionsPruned += pruned.length;
      }
    }
    if (ids.length < limit) break;
  }
  return { ...result, ...lockFigures(stats) };
}
