import { actionLogs, nowIso, sceneStates, writeTransaction, type AuraDb } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { and, asc, desc, eq, getTableColumns, gt, gte, lte, max, sql, type SQL } from 'drizzle-orm';
import {
  PRESERVED_COLUMNS,
  UNDOABLE_TABLES,
  nextActionTime,
  pkColumn,
  readRow,
  type RowImage,
  type UndoableTable,
} from './recorder';

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
 * ModifiedBy record the undo itself (who and when is also in the action's UndoneAt/UndoneByUserId),
 * and bookkeeping columns (PRESERVED_COLUMNS) keep their current value.
 *
 * A row is never removed while rows the action did not track refer to it (ON DELETE CASCADE would
 * take them along silently), and a row that cannot be written back (its parent is gone, a unique
 * index now holds another row) is a CONFLICT too.
 */
function moveRows(
  tx: AuraDb,
  actor: string,
  steps: { table: UndoableTable; id: string; from: RowImage | null; to: RowImage | null }[],
  verb: 'undo' | 'redo',
  at: string,
): void {
  const conflict = (table: string, id: string, why: string) =>
    new TRPCError({
      code: 'CONFLICT',
      message: `Cannot ${verb}: ${table} ${id} ${why}. Nothing was changed.`,
    });
  for (const { table, id, from, to } of steps) {
    const current = readRow(tx, table, id);
    const actual = versionOf(current);
    const expected = versionOf(from);
    if (actual !== expected) {
      throw conflict(
        table,
        id,
        `was changed since (${
          actual === null
            ? 'it no longer exists'
            : `its RowVersion is ${actual}, expected ${expected ?? 'no row'}`
        })`,
      );
    }
    const { table: target } = UNDOABLE_TABLES[table];
    try {
      if (to === null) {
        if (!current) continue;
        const dependent = dependentRows(tx, table, id);
        if (dependent) throw conflict(table, id, `has rows in ${dependent} that were added since`);
        tx.delete(target)
          .where(eq(pkColumn(table), id))
          .run();
      } else {
        const values: RowImage = { ...to, updatedAt: at, modifiedBy: actor };
        if (current) {
          for (const column of PRESERVED_COLUMNS[table] ?? []) values[column] = current[column];
          tx.update(target)
            .set(values)
            .where(eq(pkColumn(table), id))
            .run();
        } else
          tx.insert(target)
            .values(values as never)
            .run();
      }
    } catch (error) {
      const code = constraintCode(error);
      if (!code) throw error;
      throw conflict(
        table,
        id,
        code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
          ? 'cannot be written back: a row it belongs to no longer exists'
          : `cannot be written back: it clashes with a row changed since (${code})`,
      );
    }
  }
}

/** The SQLite constraint error code of `error` (or of its cause), if it is one. */
function constraintCode(error: unknown): string | null {
  for (let e = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) return code;
  }
  return null;
}

/** The first table with a row whose foreign key refers to `table` row `id`, or null. */
function dependentRows(tx: AuraDb, table: UndoableTable, id: string): string | null {
  const references = tx.all<{ child: string; column: string }>(
    sql`SELECT m.name AS child, f."from" AS "column" FROM sqlite_master m
        JOIN pragma_foreign_key_list(m.name) f
        WHERE m.type = 'table' AND f."table" = ${table}`,
  );
  for (const { child, column } of references) {
    const found = tx.get<{ one: number } | undefined>(
      sql`SELECT 1 AS one FROM ${sql.identifier(child)} WHERE ${sql.identifier(column)} = ${id} LIMIT 1`,
    );
    if (found) return child;
  }
  return null;
}

/** The projects whose scenes the steps touch, with whether their order is intact now. */
function sceneOrders(
  tx: AuraDb,
  steps: { table: UndoableTable; from: RowImage | null; to: RowImage | null }[],
): Map<string, boolean> {
  const projects = new Map<string, boolean>();
  for (const step of steps) {
    if (step.table !== 'SceneStates') continue;
    for (const image of [step.from, step.to])
      if (image)
        projects.set(String(image.projectId), sceneOrderIntact(tx, String(image.projectId)));
  }
  return projects;
}

/** A project's SceneIndex values are exactly 0..n-1 (the scenes service's invariant). */
function sceneOrderIntact(tx: AuraDb, projectId: string): boolean {
  return tx
    .select({ index: sceneStates.sceneIndex })
    .from(sceneStates)
    .where(eq(sceneStates.projectId, projectId))
    .orderBy(asc(sceneStates.sceneIndex))
    .all()
    .every((row, i) => row.index === i);
}

/**
 * Applies the steps of `actions` (in order). Row versions guard the rows an action tracked, not
 * the ones added to or removed from the same project since: when moving the tracked scenes back
 * breaks an order that was intact (a gap or two scenes at one index), someone changed the
 * project's scenes since, and the whole undo or redo is a CONFLICT.
 */
function apply(
  tx: AuraDb,
  actor: string,
  actions: ActionRow[],
  verb: 'undo' | 'redo',
  at: string,
): void {
  const steps = actions.flatMap((action) => stepsOf(action, verb));
  const intactBefore = sceneOrders(tx, steps);
  moveRows(tx, actor, steps, verb, at);
  for (const [projectId, intact] of intactBefore) {
    if (intact && !sceneOrderIntact(tx, projectId))
      throw new TRPCError({
        code: 'CONFLICT',
        message: `Cannot ${verb}: the scenes of ProjectStates ${projectId} were added, removed or moved since. Nothing was changed.`,
      });
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

/**
 * One undo or redo step in one transaction: the user's next actions (one, or a batch) are applied
 * backwards or forwards and their log rows updated; NOT_FOUND when there is nothing to do.
 */
function step(db: AuraDb, userId: string, verb: 'undo' | 'redo', now: Date): UndoRedoResult {
  return writeTransaction(db, (tx) => {
    const actions = (verb === 'undo' ? nextToUndo : nextToRedo)(tx, userId, nowIso(now));
    if (actions.length === 0)
      throw new TRPCError({ code: 'NOT_FOUND', message: `Nothing to ${verb}` });
    const at = nowIso(nextActionTime(tx, userId, now));
    apply(tx, userId, actions, verb, at);
    const state =
      verb === 'undo'
        ? { status: 'Undone' as const, undoneAt: at, undoneByUserId: userId }
        : { status: 'Applied' as const, undoneAt: null, undoneByUserId: null };
    for (const action of actions) {
      tx.update(actionLogs)
        .set({
          ...state,
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

/** Undoes the user's latest action (or batch) in one transaction. */
export function undo(db: AuraDb, userId: string, now: Date = new Date()): UndoRedoResult {
  return step(db, userId, 'undo', now);
}

/** Applies again the action (or batch) the user undid most recently. */
export function redo(db: AuraDb, userId: string, now: Date = new Date()): UndoRedoResult {
  return step(db, userId, 'redo', now);
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
