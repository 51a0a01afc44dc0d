import {
  SYSTEM_ACTOR,
  actionLogs,
  auditedUpdateWhere,
  nowIso,
  type ActionStatus,
  type AuraDb,
} from '@aura/db';
import { and, asc, inArray, lt, lte, sql } from 'drizzle-orm';
import { DAY_MS } from '../settings';
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

/** Statuses an action leaves when its ExpiresAt passes. */
const EXPIRING: ActionStatus[] = ['Applied', 'Undone'];
/** Statuses deleted once their ExpiresAt is older than the retention (Failed is kept as is until then). */
const DELETABLE_ACTIONS: ActionStatus[] = ['Expired', 'Failed'];

export interface ActionLogCleanup extends WriteLockStats {
  /** Applied/Undone actions past ExpiresAt marked Expired. */
  expired: number;
  /** Expired (and Failed) actions deleted, their ExpiresAt older than the retention. */
  deleted: number;
  deleteCutoff: string;
}

/** Where the previous batch of expiring actions ended (ExpiresAt, then Id). */
export interface ExpiryPosition {
  expiresAt: string;
  id: string;
}

/**
 * The batch query of actions to mark Expired, in ExpiresAt order from where the previous batch
 * ended: each batch reads on from there instead of re-reading, from the start, every action
 * already past ExpiresAt and no longer Applied or Undone (Expired ones stay for the retention).
 * Exposed for EXPLAIN tests.
 */
export function buildExpiringActionsQuery(
  db: AuraDb,
  now: string,
  limit: number,
  after: ExpiryPosition | null = null,
) {
  return db
    .select({ id: actionLogs.id, expiresAt: actionLogs.expiresAt })
    .from(actionLogs)
    .where(
      and(
        lte(actionLogs.expiresAt, now),
        inArray(actionLogs.status, EXPIRING),
        after === null
          ? undefined
          : sql`(${actionLogs.expiresAt}, ${actionLogs.id}) > (${after.expiresAt}, ${after.id})`,
      ),
    )
    .orderBy(asc(actionLogs.expiresAt), asc(actionLogs.id))
    .limit(limit);
}

/** The batch query of expired actions to delete. Exposed for EXPLAIN tests. */
export function buildDeletableActionsQuery(db: AuraDb, cutoff: string, limit: number) {
  return db
    .select({ id: actionLogs.id })
    .from(actionLogs)
    .where(and(inArray(actionLogs.status, DELETABLE_ACTIONS), lt(actionLogs.expiresAt, cutoff)))
    .limit(limit);
}

/**
 * The undo log's retention. Actions whose ExpiresAt has passed can no longer be undone or redone
 * (the actions service already ignores them): Applied and Undone ones are marked Expired (RowVersion
 * bumped, ModifiedBy "system"). Expired ones, and Failed ones, whose ExpiresAt is older than
 * Retention.ExpiredActionLogDays are deleted. Actions without ExpiresAt never expire.
 */
export function expireActionLogs(db: AuraDb, options: CleanupOptions = {}): ActionLogCleanup {
  const now = options.now ?? new Date();
  const at = nowIso(now);
  const days = settingsOf(db, options)['Retention.ExpiredActionLogDays'];
  const deleteCutoff = cutoffIso(now, days * DAY_MS);
  const limit = batchSizeOf(options);
  const { db: metered, stats } = meterWrites(db);
  const result = { expired: 0, deleted: 0, deleteCutoff };
  let position: ExpiryPosition | null = null;
  inBatches(metered, limit, (tx, size) => {
    const rows = buildExpiringActionsQuery(tx, at, size, position).all();
    const last = rows.at(-1);
    if (last === undefined || last.expiresAt === null) return 0;
    position = { expiresAt: last.expiresAt, id: last.id };
    const ids = rows.map((r) => r.id);
    result.expired += auditedUpdateWhere(
      tx,
      actionLogs,
      and(
        inArray(actionLogs.id, ids),
        inArray(actionLogs.status, EXPIRING),
        lte(actionLogs.expiresAt, at),
      ),
      { status: 'Expired' },
      SYSTEM_ACTOR,
    );
    return ids.length;
  });
  inBatches(metered, limit, (tx, size) => {
    const ids = buildDeletableActionsQuery(tx, deleteCutoff, size)
      .all()
      .map((r) => r.id);
    if (ids.length === 0) return 0;
    result.deleted += tx
      .delete(actionLogs)
      .where(
        and(
          inArray(actionLogs.id, ids),
          inArray(actionLogs.status, DELETABLE_ACTIONS),
          lt(actionLogs.expiresAt, deleteCutoff),
        ),
      )
      .run().changes;
    return ids.length;
  });
  return { ...result, ...lockFigures(stats) };
}
