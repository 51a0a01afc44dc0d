import { jobRuns } from '@aura/db';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIntegrity, lastIntegrityCheck } from '../src/health/integrity';
import { buildJobRunsQuery, recordJobRun, resultFigures } from '../src/worker/runs';
import { recordWorkerHeartbeat } from '../src/worker/service';
import { openTestDb, type TestDb } from './helpers';

let t: TestDb;
afterEach(() => t.close());

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 22, 10, minutes));

function planOf(query: { toSQL(): { sql: string; params: unknown[] } }): string {
  const { sql: text, params } = query.toSQL();
  return (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[])
    .map((row) => row.detail)
    .join('\n');
}

describe('job runs', () => {
  it('records each run with its figures or failure, newest first, pruned per job', async () => {
    t = openTestDb();
    for (let i = 0; i < 5; i++) {
      recordJobRun(
        t.db,
        {
          jobName: 'cleanup.blobs',
          workerId: 'host:1',
          startedAt: at(i),
          durationMs: 10 + i,
          result: { removed: i, projects: ['a', 'b'], nested: { x: 1 } },
        },
        { keep: 3 },
      );
    }
    recordJobRun(t.db, {
      jobName: 'backup',
      workerId: 'host:1',
      startedAt: at(9),
      durationMs: 5,
      error: 'Backup failed: disk full',
    });
    const viewer = t.as('viewer');
    const page = await viewer.worker.runs({ job: 'cleanup.blobs', limit: 2 });
    expect(page.items.map((r) => r.result)).toEqual([
      { removed: 4, projects: 2 },
      { removed: 3, projects: 2 },
    ]);
    const rest = await viewer.worker.runs({ job: 'cleanup.blobs', cursor: page.nextCursor });
    expect(rest.items.map((r) => r.durationMs)).toEqual([12]);
    expect(rest.nextCursor).toBeNull();
    const failed = await viewer.worker.runs({ job: 'backup' });
    expect(failed.items[0]).toMatchObject({
      status: 'Failed',
      errorMessage: 'Backup failed: disk full',
    });
    expect(
      t.db
        .select({ n: sql<number>`count(*)` })
        .from(jobRuns)
        .get()?.n,
    ).toBe(4);

    await expect(t.anonymous.worker.runs({ job: 'backup' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(viewer.worker.runs({ job: 'x'.repeat(5_000) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(viewer.worker.runs({ job: 'backup', cursor: 'forged' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(planOf(buildJobRunsQuery(t.db, { job: 'backup', limit: 20, cursor: null }))).toMatch(
      /USING (COVERING )?INDEX IX_JobRuns_JobName_StartedAt_Id/,
    );
  });

  it('keeps only scalar figures of a result', () => {
    t = openTestDb();
    expect(
      resultFigures({ a: 1, b: 'x'.repeat(500), c: [1, 2], d: { e: 1 }, f: null, g: NaN }),
    ).toEqual({
      a: 1,
      b: 'x'.repeat(200),
      c: 2,
      f: null,
    });
    expect(resultFigures(undefined)).toEqual({});
  });

  it('worker.jobs joins the heartbeat schedule with the recorded runs and failures', async () => {
    t = openTestDb();
    const now = new Date();
    recordWorkerHeartbeat(
      t.db,
      {
        workerId: 'host:1',
        hostname: 'host',
        pid: 1,
        startedAt: now.toISOString(),
        tickCount: 3,
        tickIntervalMs: 5_000,
        jobs: [
          {
            name: 'backup',
            intervalMs: 60_000,
            lastRunAt: now.toISOString(),
            lastDurationMs: 7,
            lastError: null,
            runs: 3,
            failures: 1,
            nextRunAt: new Date(now.getTime() + 60_000).toISOString(),
          },
        ],
      },
      now,
    );
    recordJobRun(t.db, {
      jobName: 'backup',
      workerId: 'host:1',
      startedAt: at(1),
      durationMs: 3,
      error: 'disk full',
    });
    recordJobRun(t.db, {
      jobName: 'backup',
      workerId: 'host:1',
      startedAt: at(2),
      durationMs: 7,
      result: { due: false },
    });
    recordJobRun(t.db, {
      jobName: 'integrity',
      workerId: 'host:0',
      startedAt: at(0),
      durationMs: 2,
      result: { ok: true },
    });
    const jobs = await t.as('viewer').worker.jobs();
    expect(jobs.find((j) => j.name === 'backup')).toMatchObject({
      intervalMs: 60_000,
      lastDurationMs: 7,
      lastStatus: 'Succeeded',
      lastResult: { due: false },
      runs: 3,
      failures: 1,
      recentFailures: 1,
      lastFailureMessage: 'disk full',
    });
    // A job only in the history (no worker reports it now) is still listed.
    expect(jobs.find((j) => j.name === 'integrity')).toMatchObject({
      intervalMs: null,
      nextRunAt: null,
      lastResult: { ok: true },
    });
  });

  it('the integrity check passes on a sound database and the health details show its last run', async () => {
    t = openTestDb();
    const result = checkIntegrity(t.db);
    expect(result).toMatchObject({ ok: true, problems: [] });
    expect(lastIntegrityCheck(t.db)).toBeNull();
    recordJobRun(t.db, {
      jobName: 'integrity',
      workerId: 'h:1',
      startedAt: at(1),
      durationMs: 4,
      result: { ok: true },
    });
    const details = await t.as('viewer').health.details();
    expect(details.integrity).toMatchObject({ ok: true, durationMs: 4 });
    expect(details.worker).toBeNull();
    expect(details.lastBackup).toBeNull();
  });
});
