import { notDeleted, projectStates, type AuraDb } from '@aura/db';
import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { MINUTE_MS } from '../settings';
import {
  batchSizeOf,
  cutoffIso,
  inBatches,
  lockFigures,
  meterWrites,
  settingsOf,
  type CleanupOptions,
  type WriteLockStats,
} from './shared';

export interface StaleProjectFlagging extends WriteLockStats {
  cutoff: string;
  /** Live InProgress projects not updated since the cutoff (flagged now or before). */
  stale: number;
  /** Projects whose ErrorMessage was set by this run. */
  flagged: number;
  /** The projects flagged by this run (at most 20), for the log. */
  projects: { id: string; title: string; updatedAt: string }[];
}

/** Where the previous batch of stale projects ended (UpdatedAt, then Id). */
export interface StalePosition {
  updatedAt: string;
  id: string;
}

/**
 * Stale live InProgress projects not flagged yet, in UpdatedAt order from where the previous
 * batch ended: each batch reads on instead of re-reading, from the start, every project an earlier
 * batch flagged (they stay stale). Exposed for EXPLAIN tests.
 */
export function buildUnflaggedStaleProjectsQuery(
  db: AuraDb,
  cutoff: string,
  limit: number,
  after: StalePosition | null = null,
) {
  return db
    .select({
      id: projectStates.id,
      title: projectStates.title,
      updatedAt: projectStates.updatedAt,
    })
    .from(projectStates)
    .where(
      and(
        eq(projectStates.status, 'InProgress'),
        notDeleted(projectStates),
        lt(projectStates.updatedAt, cutoff),
        isNull(projectStates.errorMessage),
        after === null
          ? undefined
          : sql`(${projectStates.updatedAt}, ${projectStates.id}) > (${after.updatedAt}, ${after.id})`,
      ),
    )
    .orderBy(asc(projectStates.updatedAt), asc(projectStates.id))
    .limit(limit);
}

function staleCondition(cutoff: string) {
  return and(
    eq(projectStates.status, 'InProgress'),
    notDeleted(projectStates),
    lt(projectStates.updatedAt, cutoff),
  );
}

/**
 * Projects left InProgress with no update for Retention.RecoveryStaleMinutes are flagged for
 * recovery. There is no flag column: the run reports them, and sets ErrorMessage to "Interrupted:
 * no progress since <UpdatedAt>" where ErrorMessage is empty. It deliberately leaves RowVersion,
 * UpdatedAt and ModifiedBy alone: the project stays stale (listed by recovery.list) and the user's
 * next edit, made with the RowVersion they read, does not conflict. A message already there (a
 * failure, or a previous run's flag) is never overwritten, so a second run changes nothing.
 */
export function flagStaleProjects(db: AuraDb, options: CleanupOptions = {}): StaleProjectFlagging {
  const now = options.now ?? new Date();
  const minutes = settingsOf(db, options)['Retention.RecoveryStaleMinutes'];
  const cutoff = cutoffIso(now, minutes * MINUTE_MS);
  const limit = batchSizeOf(options);
  const { db: metered, stats } = meterWrites(db);
  const result = {
    cutoff,
    stale: 0,
    flagged: 0,
    projects: [] as StaleProjectFlagging['projects'],
  };
  let position: StalePosition | null = null;
  inBatches(metered, limit, (tx, size) => {
    const rows = buildUnflaggedStaleProjectsQuery(tx, cutoff, size, position).all();
    const last = rows.at(-1);
    if (last === undefined) return 0;
    position = { updatedAt: last.updatedAt, id: last.id };
    // The one write that stays outside the audit rules on purpose (see above).
    const changed = tx
      .update(projectStates)
      .set({
        errorMessage: sql`'Interrupted: no progress since ' || ${projectStates.updatedAt}`,
      })
      .where(
        and(
          inArray(
            projectStates.id,
            rows.map((r) => r.id),
          ),
          staleCondition(cutoff),
          isNull(projectStates.errorMessage),
        ),
      )
      .run().changes;
    result.flagged += changed;
    for (const row of rows) if (result.projects.length < 20) result.projects.push(row);
    return rows.length;
  });
  result.stale =
    db
      .select({ n: sql<number>`count(*)` })
      .from(projectStates)
      .where(staleCondition(cutoff))
      .get()?.n ?? 0;
  return { ...result, ...lockFigures(stats) };
}
