import { AsyncLocalStorage } from 'node:async_hooks';
import {
  actionLogs,
  assetStates,
  configurations,
  customTemplates,
  insertAuditedWithoutReturn,
  nowIso,
  preparedPerShape,
  projectStates,
  projectVersions,
  restoreDeleted,
  sceneStates,
  softDelete,
  writeTransaction,
  type Actor,
  type AuraDb,
  type SoftDeletableTable,
  type VersionedKey,
} from '@aura/db';
import { and, eq, getTableColumns, max, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';

/**
 * The undo log. Every mutation of user content records, in its own transaction, which rows it
 * touched with their state before and after (row images, read by the server, never sent by the
 * client). Undo writes the before-images back, redo the after-images, each only if the rows are
 * still as the action left them (their RowVersion), so nothing anyone did since is overwritten.
 */

/** Tables whose rows actions may change, by physical name, with their primary key property. */
export const UNDOABLE_TABLES = {
  ProjectStates: { table: projectStates, key: 'id' },
  SceneStates: { table: sceneStates, key: 'id' },
  AssetStates: { table: assetStates, key: 'id' },
  ProjectVersions: { table: projectVersions, key: 'id' },
  CustomTemplates: { table: customTemplates, key: 'id' },
  Configurations: { table: configurations, key: 'key' },
} as const satisfies Record<string, { table: SQLiteTable; key: string }>;

export type UndoableTable = keyof typeof UNDOABLE_TABLES;

/**
 * Columns that are bookkeeping, not user content, and change without a new RowVersion: undo and
 * redo keep their current value instead of writing the image's back (a version number must never
 * be handed out twice, whatever is undone).
 */
export const PRESERVED_COLUMNS: Partial<Record<UndoableTable, readonly string[]>> = {
  ProjectStates: ['lastVersionNumber'],
};

export type RowImage = Record<string, unknown>;

export interface RowChange {
  table: UndoableTable;
  id: string;
  before: RowImage | null;
  after: RowImage | null;
}

/** Per request: a client may group actions (one drag moving many scenes) under one id. */
export interface ActionScope {
  correlationId?: string | null;
  canBatch?: boolean;
  isPersistent?: boolean;
}

export const actionScope = new AsyncLocalStorage<ActionScope>();

export const ACTION_TTL_DAYS = { persistent: 30, transient: 1 };

/**
 * The undo log's bounds. An action whose row images (before and after together, as stored JSON)
 * exceed `maxImageBytes` is logged without them, as Expired (not undoable), with the reason in
 * ErrorMessage: the change itself goes through. Each user keeps their newest
 * `maxEntriesPerUser` actions; older ones are deleted as new ones are logged. So one user's log
 * holds at most maxImageBytes x maxEntriesPerUser of images (50 MiB), whatever they edit.
 */
export const UNDO_LOG_LIMITS = { maxImageBytes: 256 * 1024, maxEntriesPerUser: 200 };
const DAY_MS = 86_400_000;

export function pkColumn(table: UndoableTable): SQLiteColumn {
  const entry = UNDOABLE_TABLES[table];
  const column = (getTableColumns(entry.table) as Record<string, SQLiteColumn>)[entry.key];
  if (!column) throw new Error(`${table} has no column ${entry.key}`);
  return column;
}

const rowByKey = preparedPerShape(
  (table: UndoableTable) => table,
  (db, table) =>
    db
      .select()
      .from(UNDOABLE_TABLES[table].table)
      .where(eq(pkColumn(table), sql.placeholder('id')))
      .prepare(),
);

export function readRow(tx: AuraDb, table: UndoableTable, id: string): RowImage | null {
  const row = rowByKey(tx, table).get({ id });
  return (row as RowImage | undefined) ?? null;
}

/** Equal column values: strings and numbers as they are, JSON columns by their JSON. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return (
    typeof a === 'object' &&
    typeof b === 'object' &&
    a !== null &&
    b !== null &&
    JSON.stringify(a) === JSON.stringify(b)
  );
}

/** Collects row images while a mutation runs. */
export class ActionTracker {
  private readonly tracked = new Map<
    string,
    { table: UndoableTable; id: string; before: RowImage | null }
  >();

  constructor(private readonly tx: AuraDb) {}

  /** Call BEFORE changing (or creating, with a pre-generated id) the rows. */
  track(table: UndoableTable, ids: Iterable<string>): void {
    for (const id of ids) {
      const key = `${table}:${id}`;
      if (!this.tracked.has(key))
        this.tracked.set(key, { table, id, before: readRow(this.tx, table, id) });
    }
  }

  /** Tracks every row `where` selects now (for bulk updates whose ids are not known up front). */
  trackWhere(table: UndoableTable, where: SQL | undefined): void {
    const pk = pkColumn(table);
    const ids = this.tx.select({ id: pk }).from(UNDOABLE_TABLES[table].table).where(where).all();
    this.track(
      table,
      ids.map((r) => String(r.id)),
    );
  }

  /**
   * The rows that changed. An update keeps only the columns it changed (plus the key and
   * RowVersion): a rename of a project with a megabyte of specs logs a few bytes, not two copies
   * of the specs. Inserts and deletes keep the whole row.
   */
  changes(): RowChange[] {
    const changes: RowChange[] = [];
    for (const { table, id, before } of this.tracked.values()) {
      const after = readRow(this.tx, table, id);
      if (!before || !after) {
        if (before === after) continue;
        this.noteProject({ table, id, before, after });
        changes.push({ table, id, before, after });
        continue;
      }
      // Column by column, not the whole row as JSON: a row may hold a megabyte of specs.
      const keep = new Set([UNDOABLE_TABLES[table].key, 'rowVersion']);
      const beforeImage: RowImage = {};
      const afterImage: RowImage = {};
      let changed = false;
      for (const column of Object.keys(after)) {
        const same = sameValue(before[column], after[column]);
        if (!same) changed = true;
        if (!same || keep.has(column)) {
          beforeImage[column] = before[column];
          afterImage[column] = after[column];
        }
      }
      if (!changed) continue;
      this.noteProject({ table, id, before, after });
      changes.push({ table, id, before: beforeImage, after: afterImage });
    }
    return changes;
  }

  /** Projects whose rows (or whose children's rows) the changes touched, from the full images. */
  readonly projectIds = new Set<string>();

  private noteProject(c: {
    table: UndoableTable;
    id: string;
    before: RowImage | null;
    after: RowImage | null;
  }): void {
    if (c.table === 'ProjectStates') {
      this.projectIds.add(c.id);
      return;
    }
    const parent = c.after?.projectId ?? c.before?.projectId;
    if (typeof parent === 'string') this.projectIds.add(parent);
  }
}

const latestActionTime = preparedPerShape(
  (event: 'action' | 'undo') => event,
  (db, event) => {
    const userId = eq(actionLogs.userId, sql.placeholder('userId'));
    return event === 'action'
      ? db
          .select({ at: max(actionLogs.timestamp) })
          .from(actionLogs)
          .where(userId)
          .prepare()
      : db
          .select({ at: max(actionLogs.undoneAt) })
          .from(actionLogs)
          .where(and(userId, eq(actionLogs.status, 'Undone')))
          .prepare();
  },
);

/**
 * The time of a user's next log event (new action, undo, redo): `now`, or 1 ms after their latest
 * action or undo when that is not earlier (several in one millisecond, or a clock step back). The
 * stacks are ordered by these times, so per user they must strictly increase: an undo in the same
 * millisecond as the action would otherwise not count as "after" it and could not be redone.
 */
export function nextActionTime(tx: AuraDb, userId: string, now: Date): Date {
  const latestAction = latestActionTime(tx, 'action').get({ userId })?.at;
  const latestUndo = latestActionTime(tx, 'undo').get({ userId })?.at;
  const latest = Math.max(
    latestAction ? Date.parse(latestAction) : 0,
    latestUndo ? Date.parse(latestUndo) : 0,
  );
  return latest >= now.getTime() ? new Date(latest + 1) : now;
}

export interface ActionDescription {
  type: string;
  description: string;
}

/**
 * Runs `mutate` (inside the caller's transaction) and logs it as one undoable action of `userId`.
 * The user's redo stack is cleared implicitly: only actions undone after their latest new action
 * can be redone (see service.ts).
 */
export function recordAction<R>(
  tx: AuraDb,
  userId: string | null,
  action: ActionDescription | ((result: R) => ActionDescription),
  mutate: (tracker: ActionTracker) => R,
  now: Date = new Date(),
): R {
  const tracker = new ActionTracker(tx);
  const result = mutate(tracker);
  if (!userId) return result;
  const changes = tracker.changes();
  if (changes.length === 0) return result;
  const { type, description } = typeof action === 'function' ? action(result) : action;
  const scope = actionScope.getStore() ?? {};
  const persistent = scope.isPersistent ?? true;
  now = nextActionTime(tx, userId, now);
  const at = nowIso(now);
  const payloadJson = JSON.stringify({
    changes: changes.map(({ table, id, after }) => ({ table, id, after })),
  });
  const inversePayloadJson = JSON.stringify({
    changes: changes.map(({ table, id, before }) => ({ table, id, before })),
  });
  const imageBytes = Buffer.byteLength(payloadJson) + Buffer.byteLength(inversePayloadJson);
  const undoable = imageBytes <= UNDO_LOG_LIMITS.maxImageBytes;
  insertAuditedWithoutReturn(
    tx,
    actionLogs,
    {
      userId,
      actionType: type,
      description,
      timestamp: at,
      status: undoable ? 'Applied' : 'Expired',
      errorMessage: undoable
        ? null
        : `Not undoable: its row images are ${imageBytes} bytes, more than the ${UNDO_LOG_LIMITS.maxImageBytes} the undo log keeps per action`,
      affectedResourceIds: [...new Set(changes.map((c) => c.id))].join(','),
      payloadJson: undoable ? payloadJson : null,
      inverseActionType: `${type}.undo`,
      inversePayloadJson: undoable ? inversePayloadJson : null,
      canBatch: Boolean(scope.canBatch && scope.correlationId),
      isPersistent: persistent,
      expiresAt: nowIso(
        new Date(
          now.getTime() +
            (persistent ? ACTION_TTL_DAYS.persistent : ACTION_TTL_DAYS.transient) * DAY_MS,
        ),
      ),
      correlationId: scope.correlationId ?? null,
      // One project: the action shows in its activity (several or none: in none).
      projectId: tracker.projectIds.size === 1 ? [...tracker.projectIds][0] : null,
    },
    userId,
    at,
  );
  pruneLog(tx, userId);
  return result;
}

/** Deletes the user's actions beyond their newest UNDO_LOG_LIMITS.maxEntriesPerUser. */
function pruneLog(tx: AuraDb, userId: string): void {
  pruneStatement(tx, 'prune').run({ userId, keep: UNDO_LOG_LIMITS.maxEntriesPerUser });
}

// LIMIT -1: SQLite's "no limit", which OFFSET needs (the query builder drops a negative one).
const pruneStatement = preparedPerShape(
  (_: 'prune') => 'prune',
  (db) =>
    db
      .delete(actionLogs)
      .where(
        sql`${actionLogs.id} IN (
          SELECT "Id" FROM "ActionLogs" WHERE "UserId" = ${sql.placeholder('userId')}
          ORDER BY "Timestamp" DESC, "Id" DESC
          LIMIT -1 OFFSET ${sql.placeholder('keep')})`,
      )
      .prepare(),
);

/**
 * The one shape of an undoable write: an IMMEDIATE write transaction in which `mutate` runs and
 * is logged as one action of `actor` (see recordAction).
 */
export function undoableWrite<R>(
  db: AuraDb,
  actor: Actor,
  action: ActionDescription | ((result: R) => ActionDescription),
  mutate: (tx: AuraDb, tracker: ActionTracker) => R,
): R {
  return writeTransaction(db, (tx) =>
    recordAction(tx, actor, action, (tracker) => mutate(tx, tracker)),
  );
}

/**
 * Moves one row of an undoable table to the trash, or brings it back, as one undoable action.
 * `describe` names what moved, from the row as written (e.g. `project "Intro"`).
 */
export function undoableTrashMove<T extends SoftDeletableTable, V>(
  db: AuraDb,
  actor: Actor,
  move: {
    table: UndoableTable;
    direction: 'trash' | 'restore';
    key: VersionedKey & { id: string };
    /** The action type, e.g. `projects.softDelete`. */
    type: string;
    describe: (view: V) => string;
    view: (row: T['$inferSelect']) => V;
  },
): V {
  const table = UNDOABLE_TABLES[move.table].table as unknown as T;
  return undoableWrite(
    db,
    actor,
    (view: V) => ({
      type: move.type,
      description:
        move.direction === 'trash'
          ? `Moved ${move.describe(view)} to the trash`
          : `Restored ${move.describe(view)} from the trash`,
    }),
    (tx, tracker) => {
      tracker.track(move.table, [move.key.id]);
      const row =
        move.direction === 'trash'
          ? softDelete(tx, table, move.key, actor)
          : restoreDeleted(tx, table, move.key, actor);
      return move.view(row);
    },
  );
}
