import {
  SYSTEM_ACTOR,
  actionLogs,
  auditedUpdateWhere,
  nowIso,
  type ActionStatus,
  type AuraDb,
} from '@aura/db';
import { and, inArray, lt, lte } from 'drizzle-orm';
import { DAY_MS } from '../settings';
import { batchSizeOf, cutoffIso, inBatches, settingsOf, type CleanupOptions } from './shared';

/** Statuses an action leaves when its ExpiresAt passes. */
const EXPIRING: ActionStatus[] = ['Applied', 'Undone'];
/** Statuses deleted once their ExpiresAt is older than the retention (Failed is kept as is until then). */
const DELETABLE_ACTIONS: ActionStatus[] = ['Expired', 'Failed'];

export interface ActionLogCleanup {
  /** Applied/Undone actions past ExpiresAt marked Expired. */
  expired: number;
  /** Expired (and Failed) actions deleted, their ExpiresAt older than the retention. */
  deleted: number;
  deleteCutoff: string;
}

/** The batch query of actions to mark Expired. Exposed for EXPLAIN tests. */
export function buildExpiringActionsQuery(db: AuraDb, now: string, limit: number) {
  return db
    .select({ id: actionLogs.id })
    .from(actionLogs)
    .where(and(inArray(actionLogs.status, EXPIRING), lte(actionLogs.expiresAt, now)))
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
  const result: ActionLogCleanup = { expired: 0, deleted: 0, deleteCutoff };
  inBatches(db, limit, (tx) => {
    const ids = buildExpiringActionsQuery(tx, at, limit)
      .all()
      .map((r) => r.id);
    if (ids.length === 0) return 0;
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
  inBatches(db, limit, (tx) => {
    const ids = buildDeletableActionsQuery(tx, deleteCutoff, limit)
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
  return result;
}
