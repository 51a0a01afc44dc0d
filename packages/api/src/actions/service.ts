import {
  ForbiddenError,
  NotFoundError,
  StateError,
  actionLogs,
  auditedUpdateWhere,
  stampRowImage,
  nowIso,
  sceneStates,
  users,
  writeTransaction,
  type AuraDb,
  type UpdatePatch,
  type UserRole,
} from '@aura/db';
import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  gt,
  gte,
  inArray,
  isNull,
  lte,
  max,
  sql,
  type SQL,
} from 'drizzle-orm';
import { z } from 'zod';
import { keyset, type Page, type PageCursor } from '../paging';
import {
  PRESERVED_COLUMNS,
  UNDOABLE_TABLES,
  nextActionTime,
  pkColumn,
  readRow,
  type RowImage,
  type UndoableTable,
} from './recorder';
import { isInstallationSetting } from '../maintenance/settings';
import { highestLoggedRowVersions } from './highest-version';

type ActionRow = typeof actionLogs.$inferSelect;

const rowImageSchema = z.record(z.string(), z.unknown());

/** PayloadJson (after-images) and InversePayloadJson (before-images) as recordAction writes them. */
const storedChangesSchema = z.object({
  changes: z.array(
    z.object({
      table: z.custom<UndoableTable>(
        (value) => typeof value === 'string' && Object.hasOwn(UNDOABLE_TABLES, value),
        'Not an undoable table',
      ),
      id: z.string(),
      after: rowImageSchema.nullish(),
      before: rowImageSchema.nullish(),
    }),
  ),
});

type StoredChanges = z.output<typeof storedChangesSchema>;

function parseChanges(text: string | null): StoredChanges {
  return text === null ? { changes: [] } : storedChangesSchema.parse(JSON.parse(text));
}

function parse(row: ActionRow): { payload: StoredChanges; inverse: StoredChanges } {
  return { payload: parseChanges(row.payloadJson), inverse: parseChanges(row.inversePayloadJson) };
}

/** The RowVersion an image names (every image holds the row's RowVersion column). */
const versionIn = (image: RowImage): number => z.number().parse(image.rowVersion);
const versionOf = (image: RowImage | null | undefined): number | null =>
  image ? versionIn(image) : null;

/** Why an undo or redo step cannot apply; `step` marks the actions Failed with it. */
class StepConflict extends Error {}

/** One log entry with its images parsed; `dirty` once a relabel changed them. */
interface LoadedEntry {
  row: ActionRow;
  payload: StoredChanges;
  inverse: StoredChanges;
  dirty: boolean;
}

/**
 * The images of a user's log entries that one undo or redo step reads and relabels.
 *
 * An image's RowVersion names the state it describes: the version the row carries while it is in
 * that state. Undo and redo write a state back with a NEW version (RowVersion only grows), so
 * every image of the user's Applied and Undone entries that named the old version of that state
 * is relabelled with the new one. That is what lets consecutive undos and redos compose (the next
 * older entry's after-image is the state just written) while a change by anyone else still shows
 * as a version that no image names.
 */
class LogImages {
  private readonly entries = new Map<string, LoadedEntry>();

  constructor(
    private readonly tx: AuraDb,
    private readonly userId: string,
    private readonly now: string,
  ) {}

  entry(row: ActionRow): LoadedEntry {
    let entry = this.entries.get(row.id);
    if (!entry) {
      entry = { row, ...parse(row), dirty: false };
      this.entries.set(row.id, entry);
    }
    return entry;
  }

  /** State `from` of a row is now at RowVersion `to` in every undoable entry of the user. */
  relabel(table: UndoableTable, id: string, from: number, to: number): void {
    const rows = this.tx
      .select()
      .from(actionLogs)
      .where(
        and(
          liveFor(this.userId, this.now),
          inArray(actionLogs.status, ['Applied', 'Undone']),
          sql`instr(',' || ${actionLogs.affectedResourceIds} || ',', ${`,${id},`}) > 0`,
        ),
      )
      .all();
    for (const row of rows) {
      const entry = this.entry(row);
      const images = [
        ...entry.payload.changes.map((c) => ({ c, image: c.after })),
        ...entry.inverse.changes.map((c) => ({ c, image: c.before })),
      ];
      for (const { c, image } of images) {
        if (c.table === table && c.id === id && image?.rowVersion === from) {
          image.rowVersion = to;
          entry.dirty = true;
        }
      }
    }
  }

  /** Writes the relabelled images back. */
  save(actor: string, at: string): void {
    for (const { row, payload, inverse, dirty } of this.entries.values()) {
      if (!dirty) continue;
      auditedUpdateWhere(
        this.tx,
        actionLogs,
        eq(actionLogs.id, row.id),
        { payloadJson: JSON.stringify(payload), inversePayloadJson: JSON.stringify(inverse) },
        actor,
        at,
      );
    }
  }
}

/**
 * Moves rows from one image to another: for undo from after to before, for redo from before to
 * after. Each row must still be exactly as the action (or its undo) left it: the RowVersion its
 * `from` image names, or still absent; otherwise the step conflicts, naming the row, and nothing
 * is changed. A row gets the image's content with a NEW RowVersion (one more than its current one,
 * or than the version it had when it was removed), never an old one: a client still holding a
 * version read before the undo cannot write with it. UpdatedAt and ModifiedBy record the undo
 * itself (who and when is also in the action's UndoneAt/UndoneByUserId), and bookkeeping columns
 * (PRESERVED_COLUMNS) keep their current value.
 *
 * A row is never removed while rows the action did not track refer to it (ON DELETE CASCADE would
 * take them along silently), and a row that cannot be written back (its parent is gone, a unique
 * index now holds another row) is a conflict too.
 */
function moveRows(
  tx: AuraDb,
  actor: string,
  images: LogImages,
  steps: { table: UndoableTable; id: string; from: RowImage | null; to: RowImage | null }[],
  at: string,
): void {
  const conflict = (table: string, id: string, why: string) =>
    new StepConflict(`${table} ${id} ${why}`);
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
        // A removed row comes back one version past any its id ever had (the `to` image's, or a
        // later life's: a version restore may have brought it back and removed it since).
        const toVersion = versionIn(to);
        const written =
          (current
            ? versionIn(current)
            : Math.max(toVersion, highestLoggedRowVersions(tx, table, [id]).get(id) ?? 0)) + 1;
        const values: RowImage = stampRowImage(target, to, written, actor, at);
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
        images.relabel(table, id, toVersion, written);
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
 * project's scenes since, and the whole undo or redo conflicts.
 */
function apply(
  tx: AuraDb,
  actor: string,
  actions: ActionRow[],
  verb: 'undo' | 'redo',
  at: string,
  now: string,
): void {
  const images = new LogImages(tx, actor, now);
  const steps = actions.flatMap((action) => stepsOf(images.entry(action), verb));
  const intactBefore = sceneOrders(tx, steps);
  moveRows(tx, actor, images, steps, at);
  for (const [projectId, intact] of intactBefore) {
    if (intact && !sceneOrderIntact(tx, projectId))
      throw new StepConflict(
        `the scenes of ProjectStates ${projectId} were added, removed or moved since`,
      );
  }
  images.save(actor, at);
}

/**
 * Undo walks the changes newest first, from after- to before-images; redo the other way. The
 * steps hold the entry's own image objects, so a relabel by an earlier step is seen by a later one.
 */
function stepsOf({ payload, inverse }: LoadedEntry, verb: 'undo' | 'redo') {
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

/**
 * An undo or redo is a change made now, so it needs the rights the user has NOW (read from the
 * users table, not from when the action was taken): a viewer may change nothing, an editor content
 * and user-level settings, an admin also the installation-wide settings (Retention, Backup,
 * System, as in config/service.ts). FORBIDDEN otherwise; the actions stay as they are.
 */
function assertMayReplay(tx: AuraDb, userId: string, actions: ActionRow[], verb: string): void {
  const role: UserRole | undefined = tx
    .select({ role: users.role })
    .from(users)
    .where(eq(users.id, userId))
    .get()?.role;
  if (role === 'admin') return;
  if (role !== 'editor')
    throw new ForbiddenError(
      `Only an editor or admin may ${verb}: your role is now ${role ?? 'none'}`,
    );
  for (const action of actions) {
    const { payload, inverse } = parse(action);
    for (const change of [...payload.changes, ...inverse.changes]) {
      if (change.table !== 'Configurations') continue;
      const categories = [change.before, change.after].map((image) =>
        typeof image?.category === 'string' ? image.category : undefined,
      );
      if (categories.some((category) => isInstallationSetting(change.id, category)))
        throw new ForbiddenError(
          `Cannot ${verb} "${action.description}": '${change.id}' is an installation-wide setting (Retention, Backup, System) and only an admin can change it now`,
        );
    }
  }
}

/** Live (not expired) actions of a user. */
function liveFor(userId: string, now: string): SQL {
  return sql`(${eq(actionLogs.userId, userId)} and ${gt(actionLogs.expiresAt, now)})`;
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
        top.undoneAt === null ? isNull(actionLogs.undoneAt) : eq(actionLogs.undoneAt, top.undoneAt),
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
 *
 * An undo never gets stuck: when the actions can no longer apply (a row was changed by someone
 * else, its project was deleted for good, a unique index now holds another row), no row changes,
 * the actions are marked Failed with the reason in ErrorMessage, and the caller gets a CONFLICT
 * naming them; their next undo (or redo) goes on with the actions after them.
 */
function step(db: AuraDb, userId: string, verb: 'undo' | 'redo', now: Date): UndoRedoResult {
  // A failed step commits its marking, then throws: the error leaves the transaction as a value.
  const outcome = writeTransaction(
    db,
    (tx): { failed: StateError } | { result: UndoRedoResult } => {
      const live = nowIso(now);
      const actions = (verb === 'undo' ? nextToUndo : nextToRedo)(tx, userId, live);
      if (actions.length === 0) throw new NotFoundError('ActionLogs', userId, `Nothing to ${verb}`);
      assertMayReplay(tx, userId, actions, verb);
      const at = nowIso(nextActionTime(tx, userId, now));
      try {
        // A savepoint: a conflict undoes the rows already moved, and only the marking remains.
        tx.transaction((inner) =>
          apply(inner as unknown as AuraDb, userId, actions, verb, at, live),
        );
      } catch (error) {
        if (!(error instanceof StepConflict)) throw error;
        markFailed(tx, userId, actions, `Cannot ${verb}: ${error.message}`, at);
        return { failed: failureOf(actions, verb, error.message) };
      }
      const state =
        verb === 'undo'
          ? { status: 'Undone' as const, undoneAt: at, undoneByUserId: userId }
          : { status: 'Applied' as const, undoneAt: null, undoneByUserId: null };
      updateActions(tx, actions, state, userId, at);
      return {
        result: {
          actions: actions.map(({ id, actionType, description }) => ({
            id,
            actionType,
            description,
          })),
        },
      };
    },
  );
  if ('failed' in outcome) throw outcome.failed;
  return outcome.result;
}

function markFailed(
  tx: AuraDb,
  userId: string,
  actions: ActionRow[],
  reason: string,
  at: string,
): void {
  updateActions(tx, actions, { status: 'Failed', errorMessage: reason }, userId, at);
}

/** Sets the log state of a step's actions (the step is the whole batch). */
function updateActions(
  tx: AuraDb,
  actions: ActionRow[],
  patch: UpdatePatch<typeof actionLogs>,
  userId: string,
  at: string,
): void {
  const ids = actions.map((action) => action.id);
  auditedUpdateWhere(tx, actionLogs, inArray(actionLogs.id, ids), patch, userId, at);
}

/** The CONFLICT a failed step returns: which actions, why, and what the next call does. */
function failureOf(actions: ActionRow[], verb: 'undo' | 'redo', reason: string): StateError {
  const [first] = actions;
  if (!first) throw new Error('A failed step names its actions');
  const named = `"${first.description}" (action ${first.id}${
    actions.length > 1 ? ` and ${actions.length - 1} more of its batch` : ''
  })`;
  return new StateError(
    `Cannot ${verb} ${named}: ${reason}. Nothing was changed; the action is marked Failed, ` +
      `so the next ${verb} goes on with the ${verb === 'undo' ? 'older' : 'next'} actions.`,
  );
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
  /** The decoded `cursor` of the previous page (see paging.ts). */
  cursor?: PageCursor | null;
  limit: number;
}

export type HistoryItem = Omit<ActionRow, 'payloadJson' | 'inversePayloadJson'>;

/** A user's log, newest first; Id breaks ties between actions of one millisecond. */
const historyOrder = keyset<HistoryItem>('actions.history', [
  { column: actionLogs.timestamp, direction: 'desc', of: (row) => row.timestamp },
  { column: actionLogs.id, direction: 'desc', of: (row) => row.id },
]);

/** What a history lists: every column but the payloads (they hold whole row images). */
const { payloadJson: _p, inversePayloadJson: _i, ...historyColumns } = getTableColumns(actionLogs);

/** A user's actions, newest first. */
export function history(db: AuraDb, query: HistoryQuery): Page<HistoryItem> {
  const rows = db
    .select(historyColumns)
    .from(actionLogs)
    .where(
      and(
        eq(actionLogs.userId, query.userId),
        query.status ? eq(actionLogs.status, query.status) : undefined,
        query.actionType ? eq(actionLogs.actionType, query.actionType) : undefined,
        query.from ? gte(actionLogs.timestamp, query.from) : undefined,
        query.to ? lte(actionLogs.timestamp, query.to) : undefined,
        historyOrder.after(query.cursor ?? null),
      ),
    )
    .orderBy(...historyOrder.orderBy)
    .limit(query.limit + 1)
    .all();
  return historyOrder.page(rows, query.limit);
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

function csvField(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A user's whole history as JSON or CSV (what GDPR's data export asks for). */
export function exportHistory(db: AuraDb, userId: string, format: 'json' | 'csv'): string {
  // One read: the log keeps at most UNDO_LOG_LIMITS.maxEntriesPerUser actions per user.
  const items: HistoryItem[] = db
    .select(historyColumns)
    .from(actionLogs)
    .where(eq(actionLogs.userId, userId))
    .orderBy(...historyOrder.orderBy)
    .all();
  if (format === 'json') return JSON.stringify(items, null, 2);
  return [
    CSV_COLUMNS.join(','),
    ...items.map((i) => CSV_COLUMNS.map((c) => csvField(i[c])).join(',')),
  ].join('\r\n');
}
