/**
 * The benchmarked reads (bench/cases.ts) read through indexes: on a small generated database with
 * statistics (ANALYZE, as `PRAGMA optimize` keeps them in production), the SQL each procedure
 * actually runs is captured and explained with its parameters. None may scan a whole table, and
 * no list page may sort in a temp B-tree (except while an index it needs is still missing: see
 * NEEDED_INDEXES). Also checks the generator itself: exact counts, determinism, consistent data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, openSqlite, projectVersions } from '@aura/db';
import { afterAll, describe, expect, it } from 'vitest';
import { benchPrincipal, buildCases, callerFor, type BenchCase } from '../bench/cases';
import {
  captureStatements,
  explain,
  formatPlan,
  hasIndexFor,
  longerTwins,
  planFindings,
  tableAliases,
  tableNames,
} from '../bench/capture';
import { BENCH_VIEWER_EMAIL, countsFor, generateDatabase } from '../bench/generate';
import { UNDO_LOG_LIMITS } from '../src/actions/recorder';
import { versionContent } from '../src/versions/snapshot';
import { checkReferenceCounts } from '../src/versions/storage';

/**
 * 100 projects, 1,000 scenes, 1,000 exports…: large enough that the planner's choices (with
 * ANALYZE statistics) are the ones it makes at 1x-100x (checked), small enough to build in a
 * fraction of a second. At 0.01 the planner rightly scans the three-row RenderCheckpoints table.
 */
const SCALE = 0.1;

const dir = mkdtempSync(path.join(tmpdir(), 'aura-plans-'));
const file = path.join(dir, 'plans.db');
const generated = await generateDatabase({ scale: SCALE, out: file, parallel: false });
const sqlite = openSqlite(file);
const db = createDb(sqlite);
const caller = callerFor(db, benchPrincipal(sqlite, BENCH_VIEWER_EMAIL));
const tables = tableNames(sqlite);
const cases = buildCases(sqlite);

afterAll(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Explained {
  sql: string;
  plan: string;
  steps: string[];
  fullScans: string[];
  tempBTrees: string[];
}

/** The statements `benchCase`'s procedure runs, each with its plan and findings. */
async function explainProcedure(benchCase: BenchCase): Promise<Explained[]> {
  const { statements } = await captureStatements(sqlite, () => benchCase.proc(caller(), 0));
  return statements.map((statement) => {
    const plan = explain(sqlite, statement);
    return {
      sql: statement.sql,
      plan: formatPlan(plan),
      steps: plan.map((row) => row.detail),
      ...planFindings(plan, tableAliases(statement.sql, tables)),
    };
  });
}

/**
 * Why a list read may still sort in a temp B-tree, or null when it may not: an index it needs is
 * missing, or the planner picked a shorter twin of the index that serves the order (a redundant
 * prefix index, which makes the choice depend on the statistics).
 */
function tempBTreeExcuse(benchCase: BenchCase, explained: Explained[]): string | null {
  if (explained.every((s) => s.tempBTrees.length === 0)) return null;
  if (benchCase.boundedSort) return `by design: ${benchCase.boundedSort}`;
  const missing = missingIndexes(benchCase);
  if (missing.length > 0) {
    return `until ${missing
      .map((index) => `${index.name} (${[...index.equality, ...index.order].join(', ')})`)
      .join(' and ')} exist`;
  }
  for (const statement of explained) {
    for (const step of statement.steps) {
      const twin = longerTwins(sqlite, step);
      if (twin && twin.twins.length > 0) {
        return `because the planner chose ${twin.used} over ${twin.twins.join(', ')}, which extends it: drop ${twin.used} or make it the longer index`;
      }
    }
  }
  return null;
}

const missingIndexes = (benchCase: BenchCase) =>
  (benchCase.indexesNeeded ?? []).filter(
    (index) => !hasIndexFor(sqlite, index.table, index.equality, index.order),
  );

describe('query plans of the benchmarked reads', () => {
  it('covers every benchmarked procedure', () => {
    expect(new Set(cases.map((c) => c.procedure))).toEqual(
      new Set(['projects.list', 'projects.get', 'exports.list', 'projects.trash']),
    );
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: no full table scan',
    async (_, benchCase) => {
      const explained = await explainProcedure(benchCase);
      expect(explained.length).toBeGreaterThan(0);
      for (const statement of explained) {
        expect(statement.fullScans, `${statement.sql}\n${statement.plan}`).toEqual([]);
      }
    },
  );

  it.each(cases.filter((c) => c.list).map((c) => [c.name, c] as const))(
    '%s: the index serves the order (no temp B-tree)',
    async (_, benchCase) => {
      const explained = await explainProcedure(benchCase);
      const reason = tempBTreeExcuse(benchCase, explained);
      if (reason) {
        // Reported, not failed: the fix belongs in packages/db (see the message). Once it is
        // made, this assertion applies.
        console.info(`[plans] ${benchCase.name}: temp B-tree ${reason}`);
        return;
      }
      for (const statement of explained) {
        expect(statement.tempBTrees, `${statement.sql}\n${statement.plan}`).toEqual([]);
      }
    },
  );

  it('lists every temp B-tree of the benchmarked reads', async () => {
    const report: string[] = [];
    for (const benchCase of cases) {
      for (const statement of await explainProcedure(benchCase)) {
        for (const step of statement.tempBTrees) report.push(`${benchCase.name}: ${step}`);
      }
    }
    console.info(`[plans] temp B-trees (${report.length}):\n  ${report.join('\n  ')}`);
    // Non-list reads may sort a project's own ~20 children; list reads are checked above.
    for (const benchCase of cases.filter((c) => c.list)) {
      const explained = await explainProcedure(benchCase);
      if (explained.some((s) => s.tempBTrees.length > 0)) {
        expect(tempBTreeExcuse(benchCase, explained), benchCase.name).not.toBeNull();
      }
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: the procedure and the raw query return the same rows',
    async (_, benchCase) => {
      for (let v = 0; v < benchCase.variants; v++) {
        const viaProcedure = await benchCase.proc(caller(), v);
        if (benchCase.emptyResult) expect(viaProcedure).toEqual([]);
        else expect(viaProcedure.length).toBeGreaterThan(0);
        expect(viaProcedure).toEqual(benchCase.raw(v));
      }
    },
  );
});

describe('the data generator', () => {
  const count = (table: string) =>
    (sqlite.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;

  it('inserts exactly the counts of its scale (blobs and action logs as the product keeps them)', () => {
    // Content blobs are whatever the versions' content takes; the undo log keeps at most
    // UNDO_LOG_LIMITS.maxEntriesPerUser actions per user.
    const writers = (
      sqlite.prepare(`SELECT count(*) AS n FROM Users WHERE Role <> 'viewer'`).get() as {
        n: number;
      }
    ).n;
    const target = countsFor(SCALE);
    const expected = {
      ...target,
      contentBlobs: generated.counts.contentBlobs,
      actionLogs: Math.min(target.actionLogs, writers * UNDO_LOG_LIMITS.maxEntriesPerUser),
    };
    expect(generated.counts).toEqual(expected);
    expect(generated.counts.contentBlobs).toBeGreaterThan(target.versions);
    expect({
      users: count('Users'),
      projects: count('ProjectStates'),
      scenes: count('SceneStates'),
      assets: count('AssetStates'),
      renderCheckpoints: count('RenderCheckpoints'),
      versions: count('ProjectVersions'),
      contentBlobs: count('ContentBlobs'),
      exports: count('ExportHistory'),
      actionLogs: count('ActionLogs'),
    }).toEqual(expected);
  });

  it('writes consistent, realistic rows', () => {
    const one = <T>(source: string) => sqlite.prepare(source).get() as T;
    // Versions are what the versions service writes: each reads back through it, and every
    // blob's reference count is what the service's own check computes from the closures.
    const check = checkReferenceCounts(db);
    expect(check.versions).toBe(generated.counts.versions);
    expect(check.mismatches).toEqual([]);
    for (const version of db.select().from(projectVersions).all()) {
      expect(versionContent(db, version).scenes.length).toBeGreaterThan(0);
    }
    // Action logs are what recordAction writes: row images under `changes`, an ExpiresAt, and at
    // most the per-user maximum.
    expect(
      one<{ n: number }>(`SELECT count(*) AS n FROM ActionLogs WHERE ExpiresAt IS NULL
        OR json_extract(PayloadJson, '$.changes[0].after.rowVersion') IS NULL
        OR json_extract(InversePayloadJson, '$.changes[0].before.rowVersion') IS NULL
        OR json_extract(PayloadJson, '$.changes[0].table') <> 'ProjectStates'
        OR InverseActionType <> ActionType || '.undo'`).n,
    ).toBe(0);
    expect(
      one<{ n: number }>(`SELECT coalesce(max(n), 0) AS n FROM
        (SELECT count(*) AS n FROM ActionLogs GROUP BY UserId)`).n,
    ).toBeLessThanOrEqual(UNDO_LOG_LIMITS.maxEntriesPerUser);
    // Scene indexes are 0..n-1 without gaps.
    expect(
      one<{ n: number }>(`SELECT count(*) AS n FROM (SELECT ProjectId FROM SceneStates
        GROUP BY ProjectId HAVING max(SceneIndex) <> count(*) - 1 OR min(SceneIndex) <> 0)`).n,
    ).toBe(0);
    // Timestamps are ISO-8601 UTC with milliseconds; soft deletes carry DeletedAt.
    expect(
      one<{ n: number }>(`SELECT count(*) AS n FROM ProjectStates
        WHERE UpdatedAt NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
           OR UpdatedAt < CreatedAt OR (IsDeleted = 1) <> (DeletedAt IS NOT NULL)`).n,
    ).toBe(0);
    // UUIDv7 ids.
    expect(
      one<{ n: number }>(`SELECT count(*) AS n FROM ProjectStates WHERE Id NOT GLOB
        '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-7*'`)
        .n,
    ).toBe(0);
    // Most projects are in progress or completed; some are in the trash.
    const statuses = sqlite
      .prepare(`SELECT Status, count(*) AS n FROM ProjectStates GROUP BY Status`)
      .all() as { Status: string; n: number }[];
    const total = statuses.reduce((sum, s) => sum + s.n, 0);
    const share = (status: string) => (statuses.find((s) => s.Status === status)?.n ?? 0) / total;
    expect(share('InProgress') + share('Completed')).toBeGreaterThan(0.75);
    expect(count('ProjectStates')).toBeGreaterThan(
      one<{ n: number }>(`SELECT count(*) AS n FROM ProjectStates WHERE IsDeleted = 1`).n,
    );
  });

  it('is deterministic for a seed', async () => {
    const again = path.join(dir, 'again.db');
    await generateDatabase({ scale: SCALE, out: again, parallel: false });
    const other = openSqlite(again, { readonly: true });
    try {
      const digest = (s: typeof sqlite) =>
        [
          `SELECT group_concat(Id || Title || UpdatedAt || IsDeleted, ',') AS d FROM (SELECT * FROM ProjectStates ORDER BY rowid)`,
          `SELECT group_concat(Id || ScriptText, ',') AS d FROM (SELECT * FROM SceneStates ORDER BY rowid)`,
          `SELECT group_concat(ContentHash || ReferenceCount, ',') AS d FROM ContentBlobs`,
          `SELECT group_concat(Id || Status || CreatedAt, ',') AS d FROM (SELECT * FROM ExportHistory ORDER BY rowid)`,
          `SELECT group_concat(Id || coalesce(PayloadJson, ''), ',') AS d FROM (SELECT * FROM ActionLogs ORDER BY rowid)`,
        ].map((source) => (s.prepare(source).get() as { d: string }).d);
      expect(digest(other)).toEqual(digest(sqlite));
    } finally {
      other.close();
    }
  });
});
