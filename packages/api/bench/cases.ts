/**
 * The benchmarked reads: each through its tRPC procedure (as a signed-in viewer) and as the same
 * query hand-written on raw better-sqlite3 statements, prepared once, with the same parameters.
 * Shared by the benchmark runner (bench/run.ts) and the query-plan test (test/plans.test.ts).
 */
import type { AuraDb, Sqlite } from '@aura/db';
import { createCaller, createContext, type Principal } from '../src';
import { encodeCursor } from '../src/paging';

export type Caller = ReturnType<typeof createCaller>;
/** A prepared raw statement taking positional parameters. */
interface Statement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}

export interface BenchCase {
  /** Short label, e.g. "list: status=InProgress". */
  name: string;
  /** The procedure path, e.g. "projects.list". */
  procedure: string;
  /** Whether this read is a list page (must not sort in a temp B-tree). */
  list: boolean;
  /** Number of distinct inputs; iteration i uses input i % variants. */
  variants: number;
  /** A description of the input, for the report. */
  input: unknown;
  /** Calls the procedure with input i; returns the ids it returned, in order. */
  proc: (caller: Caller, i: number) => Promise<string[]>;
  /** Runs the raw statements with input i; returns the ids, in order. */
  raw: (i: number) => string[];
  /**
   * Indexes (not in the schema yet) that would serve this read's order completely: until they
   * all exist, test/plans.test.ts reports this read's temp B-tree instead of failing on it.
   */
  indexesNeeded?: readonly IndexSpec[];
  /** The read is expected to return nothing (a search without a match). */
  emptyResult?: boolean;
  /**
   * Why this list may sort in a temp B-tree by design (the rows it sorts are bounded, e.g. a
   * rare search term's matches); test/plans.test.ts reports it instead of failing.
   */
  boundedSort?: string;
}

export interface IndexSpec {
  /** The name to give it (any index with the same key columns will do). */
  name: string;
  table: string;
  /** Columns the read compares with `=`: the index's leading columns, in any order. */
  equality: readonly string[];
  /** Then the columns of the read's ORDER BY, in this order. */
  order: readonly string[];
}

/**
 * Indexes the reads need so that the Id tie-breaker of their keyset order comes from the index
 * instead of a temp B-tree (a rowid table's index ends in the rowid, not in Id). Migration 0004
 * added most of them; test/plans.test.ts reports the ones still missing.
 */
export const NEEDED_INDEXES = {
  projectsByStatus: {
    name: 'IX_ProjectStates_Status_IsDeleted_UpdatedAt_Id',
    table: 'ProjectStates',
    equality: ['IsDeleted', 'Status'],
    order: ['UpdatedAt', 'Id'],
  },
  projectsByStage: {
    name: 'IX_ProjectStates_CurrentStage_IsDeleted_UpdatedAt_Id',
    table: 'ProjectStates',
    equality: ['IsDeleted', 'CurrentStage'],
    order: ['UpdatedAt', 'Id'],
  },
  trash: {
    name: 'IX_ProjectStates_IsDeleted_DeletedAt_Id',
    table: 'ProjectStates',
    equality: ['IsDeleted'],
    order: ['DeletedAt', 'Id'],
  },
  exports: {
    name: 'IX_ExportHistory_CreatedAt_Id',
    table: 'ExportHistory',
    equality: [],
    order: ['CreatedAt', 'Id'],
  },
  exportsByStatus: {
    name: 'IX_ExportHistory_Status_CreatedAt_Id',
    table: 'ExportHistory',
    equality: ['Status'],
    order: ['CreatedAt', 'Id'],
  },
  checkpointsOfProject: {
    name: 'IX_RenderCheckpoints_ProjectId_CheckpointTime_Id',
    table: 'RenderCheckpoints',
    equality: ['ProjectId'],
    order: ['CheckpointTime', 'Id'],
  },
  assetsOfProject: {
    name: 'IX_AssetStates_ProjectId_AssetType_Id',
    table: 'AssetStates',
    equality: ['ProjectId'],
    order: ['AssetType', 'Id'],
  },
} as const satisfies Record<string, IndexSpec>;

/** A caller per call: what one request costs (a fresh context, as the HTTP handler makes). */
export function callerFor(db: AuraDb, principal: Principal): () => Caller {
  return () => createCaller(createContext({ db, principal }));
}

/** The generated viewer (see generate.ts), else any active viewer. */
export function benchPrincipal(sqlite: Sqlite, email: string): Principal {
  const row = (sqlite
    .prepare(`SELECT Id, Email, DisplayName FROM Users WHERE Email = ?`)
    .get(email) ??
    sqlite
      .prepare(
        `SELECT Id, Email, DisplayName FROM Users WHERE Role = 'viewer' AND IsActive = 1 LIMIT 1`,
      )
      .get()) as { Id: string; Email: string; DisplayName: string } | undefined;
  if (!row) throw new Error('The database has no viewer user to run the benchmarks as');
  return {
    userId: row.Id,
    email: row.Email,
    displayName: row.DisplayName,
    role: 'viewer',
    via: 'session',
  };
}

const PAGE = 20;
/** Services fetch limit + 1 rows to know whether another page follows; the raw queries too. */
const FETCH = PAGE + 1;

const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
const rawIds = (rows: unknown[]) => (rows as { Id: string }[]).slice(0, PAGE).map((row) => row.Id);

const LIST_COLUMNS = `Id, Title, Description, Status, CurrentStage, ProgressPercent, UpdatedAt, CreatedAt, RowVersion`;
const EXPORT_COLUMNS = `Id, InputFile, OutputFile, PresetName, Status, Progress, StartedAt, CompletedAt,
  ErrorMessage, FileSize, DurationSeconds, Platform, Resolution, Codec, CreatedAt, UpdatedAt, CreatedBy, RowVersion`;

function prepare(sqlite: Sqlite, source: string): Statement {
  return sqlite.prepare<unknown[]>(source);
}

/** Every benchmarked read on this database. */
export function buildCases(sqlite: Sqlite): BenchCase[] {
  const cases: BenchCase[] = [];

  // ---- (a) the project list page --------------------------------------------------------------
  const listCase = (
    name: string,
    input: Record<string, unknown>,
    rawSql: string,
    params: unknown[],
    indexesNeeded?: readonly IndexSpec[],
  ): BenchCase => {
    const statement = prepare(sqlite, rawSql);
    return {
      indexesNeeded,
      name: `projects.list ${name}`,
      procedure: 'projects.list',
      list: true,
      variants: 1,
      input,
      proc: async (caller) => ids((await caller.projects.list({ limit: PAGE, ...input })).items),
      raw: () => rawIds(statement.all(...params, FETCH)),
    };
  };
  cases.push(
    listCase(
      'default (updated desc)',
      {},
      `SELECT ${LIST_COLUMNS} FROM ProjectStates WHERE IsDeleted = 0
       ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`,
      [],
    ),
    listCase(
      'status=InProgress',
      { status: 'InProgress' },
      `SELECT ${LIST_COLUMNS} FROM ProjectStates WHERE IsDeleted = 0 AND Status = ?
       ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`,
      ['InProgress'],
      [NEEDED_INDEXES.projectsByStatus],
    ),
    listCase(
      'status=Failed',
      { status: 'Failed' },
      `SELECT ${LIST_COLUMNS} FROM ProjectStates WHERE IsDeleted = 0 AND Status = ?
       ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`,
      ['Failed'],
      [NEEDED_INDEXES.projectsByStatus],
    ),
    listCase(
      'stage=Images',
      { stage: 'Images' },
      `SELECT ${LIST_COLUMNS} FROM ProjectStates WHERE IsDeleted = 0 AND CurrentStage = ?
       ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`,
      ['Images'],
      [NEEDED_INDEXES.projectsByStage],
    ),
    listCase(
      'sort=title',
      { sort: 'title' },
      `SELECT ${LIST_COLUMNS} FROM ProjectStates WHERE IsDeleted = 0
       ORDER BY Title COLLATE NOCASE ASC, Id ASC LIMIT ?`,
      [],
    ),
    listCase(
      'sort=created',
      { sort: 'created' },
      `SELECT ${LIST_COLUMNS} FROM ProjectStates WHERE IsDeleted = 0
       ORDER BY CreatedAt DESC, Id DESC LIMIT ?`,
      [],
    ),
  );
  // Full-text search (issue 13). The raw side is the FTS5 query itself (the matching ids from the
  // index, then the list's order and limit): the procedure picks that path for a rare term and
  // the ordered scan for a common one, and must return the same rows either way.
  const searchCase = (name: string, term: string, emptyResult = false): BenchCase => ({
    ...listCase(
      name,
      { search: term },
      `SELECT ${LIST_COLUMNS} FROM ProjectStates WHERE IsDeleted = 0
       AND Id IN (SELECT k.ItemId FROM ProjectSearch f JOIN SearchKeys k ON k.DocId = f.rowid
                  WHERE ProjectSearch MATCH ?)
       ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`,
      [`"${term.replace(/"/g, '""')}"`],
    ),
    emptyResult,
    boundedSort: 'a rare term sorts only the few rows the full-text index matched',
  });
  cases.push(
    searchCase('search="volcano" (a topic, ~2%)', 'volcano'),
    searchCase('search, no match', 'zeppelin', true),
    searchCase('search="quiet story" (~1%)', 'quiet story'),
    searchCase('search="the" (most projects)', 'the'),
  );

  // A deep page: the cursor of the row in the middle of the default order.
  const live = (
    sqlite.prepare(`SELECT count(*) AS n FROM ProjectStates WHERE IsDeleted = 0`).get() as {
      n: number;
    }
  ).n;
  const middle = sqlite
    .prepare(
      `SELECT Id, UpdatedAt FROM ProjectStates WHERE IsDeleted = 0 ORDER BY UpdatedAt DESC, Id DESC LIMIT 1 OFFSET ?`,
    )
    .get(Math.floor(live / 2)) as { Id: string; UpdatedAt: string } | undefined;
  if (middle) {
    const cursor = encodeCursor('projects:updated', [middle.UpdatedAt, middle.Id]);
    cases.push(
      listCase(
        `deep page (cursor at row ${Math.floor(live / 2)})`,
        { cursor },
        `SELECT ${LIST_COLUMNS} FROM ProjectStates WHERE IsDeleted = 0
         AND UpdatedAt <= ? AND (UpdatedAt < ? OR Id < ?)
         ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`,
        [middle.UpdatedAt, middle.UpdatedAt, middle.Id],
      ),
    );
  }

  // ---- (b) a project with its children -------------------------------------------------------
  // Live projects with about 10 scenes and 20 assets, spread over the table.
  const candidates = (
    sqlite
      .prepare(
        `SELECT p.Id FROM ProjectStates p
         JOIN (SELECT ProjectId, count(*) AS n FROM SceneStates GROUP BY ProjectId) s ON s.ProjectId = p.Id
         JOIN (SELECT ProjectId, count(*) AS n FROM AssetStates GROUP BY ProjectId) a ON a.ProjectId = p.Id
         WHERE p.IsDeleted = 0 AND s.n BETWEEN 9 AND 11 AND a.n BETWEEN 18 AND 22
         ORDER BY p.rowid`,
      )
      .all() as { Id: string }[]
  ).map((row) => row.Id);
  const step = Math.max(1, Math.floor(candidates.length / 100));
  const targets = candidates.filter((_, i) => i % step === 0).slice(0, 100);
  if (targets.length > 0) {
    const project = prepare(sqlite, `SELECT * FROM ProjectStates WHERE Id = ? AND IsDeleted = 0`);
    const scenes = prepare(
      sqlite,
      `SELECT * FROM SceneStates WHERE ProjectId = ? ORDER BY SceneIndex`,
    );
    const assets = prepare(
      sqlite,
      `SELECT * FROM AssetStates WHERE ProjectId = ? ORDER BY AssetType, Id`,
    );
    const checkpoints = prepare(
      sqlite,
      `SELECT * FROM RenderCheckpoints WHERE ProjectId = ? ORDER BY CheckpointTime DESC, Id DESC`,
    );
    cases.push({
      indexesNeeded: [NEEDED_INDEXES.checkpointsOfProject, NEEDED_INDEXES.assetsOfProject],
      name: 'projects.get (~10 scenes, ~20 assets)',
      procedure: 'projects.get',
      list: false,
      variants: targets.length,
      input: { id: `<${targets.length} projects>` },
      proc: async (caller, i) => {
        const p = await caller.projects.get({ id: targets[i % targets.length]! });
        return [p.id, ...ids(p.scenes), ...ids(p.assets), ...ids(p.checkpoints)];
      },
      raw: (i) => {
        const id = targets[i % targets.length]!;
        const row = project.get(id) as { Id: string } | undefined;
        if (!row) return [];
        return [
          row.Id,
          ...(scenes.all(id) as { Id: string }[]).map((r) => r.Id),
          ...(assets.all(id) as { Id: string }[]).map((r) => r.Id),
          ...(checkpoints.all(id) as { Id: string }[]).map((r) => r.Id),
        ];
      },
    });
  }

  // ---- (c) the export history page ------------------------------------------------------------
  const newest = (
    sqlite.prepare(`SELECT max(CreatedAt) AS at FROM ExportHistory`).get() as {
      at: string | null;
    }
  ).at;
  if (newest) {
    const end = Date.parse(newest);
    const daysBefore = (days: number) => new Date(end - days * 86_400_000).toISOString();
    const exportCase = (
      name: string,
      input: { status?: string; createdFrom?: string; createdTo?: string; cursor?: string },
      where: string,
      params: unknown[],
    ): BenchCase => {
      const statement = prepare(
        sqlite,
        `SELECT ${EXPORT_COLUMNS} FROM ExportHistory ${where ? `WHERE ${where}` : ''}
         ORDER BY CreatedAt DESC, Id DESC LIMIT ?`,
      );
      return {
        indexesNeeded: input.status
          ? [NEEDED_INDEXES.exportsByStatus, NEEDED_INDEXES.exports]
          : [NEEDED_INDEXES.exports],
        name: `exports.list ${name}`,
        procedure: 'exports.list',
        list: true,
        variants: 1,
        input,
        proc: async (caller) =>
          ids((await caller.exports.list({ limit: PAGE, ...(input as object) })).items),
        raw: () => rawIds(statement.all(...params, FETCH)),
      };
    };
    const from30 = daysBefore(30);
    const from90 = daysBefore(90);
    const to60 = daysBefore(60);
    const to = new Date(end).toISOString();
    cases.push(
      exportCase('(no filter)', {}, '', []),
      exportCase(
        'status=Completed, last 30 days',
        { status: 'Completed', createdFrom: from30, createdTo: to },
        `Status = ? AND CreatedAt >= ? AND CreatedAt <= ?`,
        ['Completed', from30, to],
      ),
      exportCase(
        'status=Failed, 90..60 days ago',
        { status: 'Failed', createdFrom: from90, createdTo: to60 },
        `Status = ? AND CreatedAt >= ? AND CreatedAt <= ?`,
        ['Failed', from90, to60],
      ),
    );
    const mid = sqlite
      .prepare(
        `SELECT Id, CreatedAt FROM ExportHistory WHERE Status = 'Completed' AND CreatedAt >= ? AND CreatedAt <= ?
         ORDER BY CreatedAt DESC, Id DESC LIMIT 1 OFFSET 200`,
      )
      .get(from90, to) as { Id: string; CreatedAt: string } | undefined;
    if (mid) {
      cases.push(
        exportCase(
          'status=Completed, last 90 days, page 11 (cursor)',
          {
            status: 'Completed',
            createdFrom: from90,
            createdTo: to,
            cursor: encodeCursor('exports', [mid.CreatedAt, mid.Id]),
          },
          `Status = ? AND CreatedAt >= ? AND CreatedAt <= ?
           AND CreatedAt <= ? AND (CreatedAt < ? OR Id < ?)`,
          ['Completed', from90, to, mid.CreatedAt, mid.CreatedAt, mid.Id],
        ),
      );
    }
  }

  // ---- (d) the trash --------------------------------------------------------------------------
  const trashStatement = prepare(
    sqlite,
    `SELECT ${LIST_COLUMNS}, DeletedAt, DeletedBy FROM ProjectStates WHERE IsDeleted = 1
     ORDER BY DeletedAt DESC, Id DESC LIMIT ?`,
  );
  cases.push({
    indexesNeeded: [NEEDED_INDEXES.trash],
    name: 'projects.trash first page',
    procedure: 'projects.trash',
    list: true,
    variants: 1,
    input: {},
    proc: async (caller) => ids((await caller.projects.trash({ limit: PAGE })).items),
    raw: () => rawIds(trashStatement.all(FETCH)),
  });
  const trashMid = sqlite
    .prepare(
      `SELECT Id, DeletedAt FROM ProjectStates WHERE IsDeleted = 1 ORDER BY DeletedAt DESC, Id DESC LIMIT 1 OFFSET ?`,
    )
    .get(PAGE - 1) as { Id: string; DeletedAt: string } | undefined;
  if (trashMid) {
    const statement = prepare(
      sqlite,
      `SELECT ${LIST_COLUMNS}, DeletedAt, DeletedBy FROM ProjectStates WHERE IsDeleted = 1
       AND DeletedAt <= ? AND (DeletedAt < ? OR Id < ?)
       ORDER BY DeletedAt DESC, Id DESC LIMIT ?`,
    );
    const cursor = encodeCursor('trash', [trashMid.DeletedAt, trashMid.Id]);
    cases.push({
      indexesNeeded: [NEEDED_INDEXES.trash],
      name: 'projects.trash page 2 (cursor)',
      procedure: 'projects.trash',
      list: true,
      variants: 1,
      input: { cursor },
      proc: async (caller) => ids((await caller.projects.trash({ limit: PAGE, cursor })).items),
      raw: () => rawIds(statement.all(trashMid.DeletedAt, trashMid.DeletedAt, trashMid.Id, FETCH)),
    });
  }

  return cases;
}
