import { actionLogs, nowIso, writeTransaction, type AuraDb } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { and, asc, desc, eq, getTableColumns, gt, gte, lte, max, sql, type SQL } from 'drizzle-orm';
import { UNDOABLE_TABLES, pkColumn, readRow, type RowImage, type UndoableTable } from './recorder';

type ActionRow = typeof actionLogs.$inferSelect;

interface StoredChanges {
  changes: {
    table: UndoableTable;
    id: string;
    after?: RowImage | null;
    before?: RowImage | null;
  }[];
}

function parse(row: ActionRow): { payload: StoredChanges; inverse: StoredChanges } {
  return {
    payload: JSON.parse(row.payloadJson ?? '{"changes":[]}') as StoredChanges,
    inverse: JSON.parse(row.inversePayloadJson ?? '{"changes":[]}') as StoredChanges,
  };
}

const versionOf = (image: RowImage | null | undefined) =>
  image ? (image.rowVersion as number) : null;

/**
 * Moves rows from one image to another: for undo from after to before, for redo from before to
 * after. Each row must still be exactly as the action (or its undo) left it: same RowVersion, or
 * still absent; otherwise CONFLICT naming it, and the caller's transaction rolls back. A row gets
 * its image's content and RowVersion back exactly, so consecutive undos compose; UpdatedAt and
 * ModifiedBy record the undo itself (who and when is also in the action's UndoneAt/UndoneByUserId).
 */
function moveRows(
  tx: AuraDb,
  actor: string,
  steps: { table: UndoableTable; id: string; from: RowImage | null; to: RowImage | null }[],
  verb: 'undo' | 'redo',
): void {
  const at = nowIso();
  for (const { table, id, from, to } of steps) {
    const current = readRow(tx, table, id);
    const actual = versionOf(current);
    const expected = versionOf(from);
    if (actual !== expected) {
      throw new TRPCError({
        code: 'CONFLICT',
        message: `Cannot ${verb}: ${table} ${id} was changed since (${
          actual === null
            ? 'it no longer exists'
            : `its RowVersion is ${actual}, expected ${expected ?? 'no row'}`
        }). Nothing was changed.`,
      });
    }
    const { table: target } = UNDOABLE_TABLES[table];
    if (to === null) {
      tx.delete(target)
        .where(eq(pkColumn(table), id))
        .run();
    } else {
      const values = { ...to, updatedAt: at, modifiedBy: actor };
      if (current)
        tx.update(target)
          .set(values)
          .where(eq(pkColumn(table), id))
          .run();
      else
        tx.insert(target)
          .values(values as never)
          .run();
    }
  }
}

/** Undo walks the changes newest first, from after- to before-images; redo the other way. */
function stepsOf(action: ActionRow, verb: 'undo' | 'redo') {
  const { payload, inverse } = parse(action);
  const before = new Map(inverse.changes.map((c) => [`${c.table}:${c.id}`, c.before ?? null]));
  const forward = payload.changes.map((c) => ({
    table: c.table,
    id: c.id,
    before: before.get(`${c.table}:${c.id}`) ?? null,
    after: c.after ?? null,
  }));
  return verb === 'redo'
    ? forward.map((c) => ({ table: c.table, id: c.id, from: c.before, to: c.after }))
    : forward.reverse().map((c) => ({ table: c.table, id: c.id, from: c.after, to: c.before }));
}

/** Live (not expired) actions of a user. */
function liveFor(userId: string, now: string): SQL {
  return and(eq(actionLogs.userId, userId), gt(actionLogs.expiresAt, now))!;
}

/** The actions the user's next undo takes: their newest applied one, with its batch. */
function nextToUndo(tx: AuraDb, userId: string, now: string): ActionRow[] {
  const top = tx
    .select()
    .from(actionLogs)
    .where(and(liveFor(userId, now), eq(actionLogs.status, 'Applied')))
    .orderBy(desc(actionLogs.timestamp), desc(actionLogs.id))
    .limit(1)
    .get();
  if (!top) return [];
  if (!top.canBatch || !top.correlationId) return [top];
  return tx
    .select()
    .from(actionLogs)
    .where(
      and(
        liveFor(userId, now),
        eq(actionLogs.status, 'Applied'),
        eq(actionLogs.correlationId, top.correlationId),
      ),
    )
    .orderBy(desc(actionLogs.timestamp), desc(actionLogs.id))
    .all();
}

/**
 * The actions the user's next redo takes: the one they undid most recently, provided they have
 * done nothing new since (a new action clears the redo stack), with its batch.
 */
function nextToRedo(tx: AuraDb, userId: string, now: string): ActionRow[] {
  const lastNew = tx
    .select({ at: max(actionLogs.timestamp) })
    .from(actionLogs)
    .where(eq(actionLogs.userId, userId))
    .get()?.at;
  const conditions = [liveFor(userId, now), eq(actionLogs.status, 'Undone')];
  if (lastNew) conditions.push(gt(actionLogs.undoneAt, lastNew));
  const top = tx
    .select()
    .from(actionLogs)
    .where(and(...conditions))
    .orderBy(desc(actionLogs.undoneAt), asc(actionLogs.id))
    .limit(1)
    .get();
  if (!top) return [];
  if (!top.canBatch || !top.correlationId) return [top];
  return tx
    .select()
    .from(actionLogs)
    .where(
      and(
        ...conditions,
        eq(actionLogs.correlationId, top.correlationId),
        eq(actionLogs.undoneAt, top.undoneAt!),
      ),
    )
    .orderBy(asc(actionLogs.timestamp), asc(actionLogs.id))
    .all();
}

export interface UndoRedoResult {
  /** The actions undone or redone (one, or a whole batch). */
  actions: { id: string; actionType: string; description: string }[];
}

/** Undoes the user's latest action (or batch) in one transaction. */
export function undo(db: AuraDb, userId: string, now: Date = new Date()): UndoRedoResult {
  return writeTransaction(db, (tx) => {
    const at = nowIso(now);
    const actions = nextToUndo(tx, userId, at);
    if (actions.length === 0)
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Nothing to undo' });
    for (const action of actions) {
      moveRows(tx, userId, stepsOf(action, 'undo'), 'undo');
      tx.update(actionLogs)
        .set({
          status: 'Undone',
          undoneAt: at,
          undoneByUserId: userId,
          updatedAt: at,
          modifiedBy: userId,
          rowVersion: sql`${actionLogs.rowVersion} + 1`,
        })
        .where(eq(actionLogs.id, action.id))
        .run();
    }
    return {
      actions: actions.map(({ id, actionType, description }) => ({ id, actionType, description })),
    };
  });
}

/** Applies again the action (or batch) the user undid most recently. */
export function redo(db: AuraDb, userId: string, now: Date = new Date()): UndoRedoResult {
  return writeTransaction(db, (tx) => {
    const at = nowIso(now);
    const actions = nextToRedo(tx, userId, at);
    if (actions.length === 0)
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Nothing to redo' });
    for (const action of actions) {
      moveRows(tx, userId, stepsOf(action, 'redo'), 'redo');
      tx.update(actionLogs)
        .set({
          status: 'Applied',
          undoneAt: null,
          undoneByUserId: null,
          updatedAt: at,
          modifiedBy: userId,
          rowVersion: sql`${actionLogs.rowVersion} + 1`,
        })
        .where(eq(actionLogs.id, action.id))
        .run();
    }
    return {
      actions: actions.map(({ id, actionType, description }) => ({ id, actionType, description })),
    };
  });
}

export interface HistoryQuery {
  userId: string;
  status?: ActionRow['status'];
  actionType?: string;
  from?: string;
  to?: string;
  /** `${timestamp}|${id}` of the last row of the previous page. */
  cursor?: string;
  limit: number;
}

export type HistoryItem = Omit<ActionRow, 'payloadJson' | 'inversePayloadJson'>;

/** A user's actions, newest first (payloads left out: they hold whole row images). */
export function history(
  db: AuraDb,
  query: HistoryQuery,
): { items: HistoryItem[]; nextCursor: string | null } {
  const conditions: SQL[] = [eq(actionLogs.userId, query.userId)];
  if (query.status) conditions.push(eq(actionLogs.status, query.status));
  if (query.actionType) conditions.push(eq(actionLogs.actionType, query.actionType));
  if (query.from) conditions.push(gte(actionLogs.timestamp, query.from));
  if (query.to) conditions.push(lte(actionLogs.timestamp, query.to));
  if (query.cursor) {
    const [ts, id] = query.cursor.split('|');
    conditions.push(
      sql`(${actionLogs.timestamp} < ${ts} OR (${actionLogs.timestamp} = ${ts} AND ${actionLogs.id} < ${id}))`,
    );
  }
  const { payloadJson: _p, inversePayloadJson: _i, ...columns } = getTableColumns(actionLogs);
  const rows = db
    .select(columns)
    .from(actionLogs)
    .where(and(...conditions))
    .orderBy(desc(actionLogs.timestamp), desc(actionLogs.id))
    .limit(query.limit + 1)
    .all();
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > query.limit && last ? `${last.timestamp}|${last.id}` : null,
  };
}

const CSV_COLUMNS = [
  'id',
  'timestamp',
  'actionType',
  'description',
  'status',
  'affectedResourceIds',
  'undoneAt',
  'undoneByUserId',
  'correlationId',
  'expiresAt',
] as const;

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A user's whole history as JSON or CSV (what GDPR's data export asks for). */
export function exportHistory(db: AuraDb, userId: string, format: 'json' | 'csv'): string {
  const items: HistoryItem[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = history(db, { userId, cursor, limit: 500 });
    items.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  if (format === 'json') return JSON.stringify(items, null, 2);
  return [
    CSV_COLUMNS.join(','),
    ...items.map((i) => CSV_COLUMNS.map((c) => csvField(i[c])).join(',')),
  ].join('\r\n');
}
