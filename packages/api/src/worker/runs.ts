import {
  insertAudited,
  jobRuns,
  nowIso,
  writeTransaction,
  type AuraDb,
  type JobRun,
} from '@aura/db';
import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { keyset, type Page } from '../paging';
import { workerStatus, type WorkerJobState } from './service';
import type { JobRunsQuery } from './schema';

/**
 * The history of the worker's job runs (JobRuns): one row per run, written by the worker after
 * each run, the oldest pruned beyond JOB_RUNS_KEEP per job in the same transaction, so the table
 * stays bounded whatever the tick rate.
 */

/** Runs kept per job (the newest). */
export const JOB_RUNS_KEEP = 200;
const ERROR_MAX_CHARS = 2_000;
const RESULT_TEXT_MAX_CHARS = 200;
const JOB_NAME_MAX = 100;

type ResultValue = string | number | boolean | null;

/**
 * What a job returned, reduced to its scalar figures (counts, sizes, flags): lists and nested
 * objects are dropped and long texts cut, so a row stays small.
 */
export function resultFigures(result: unknown): Record<string, ResultValue> {
  const out: Record<string, ResultValue> = {};
  if (!result || typeof result !== 'object' || Array.isArray(result)) return out;
  for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
    if (value === null || typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    else if (typeof value === 'string') out[key] = value.slice(0, RESULT_TEXT_MAX_CHARS);
    else if (Array.isArray(value)) out[key] = value.length;
  }
  return out;
}

export interface JobRunRecord {
  jobName: string;
  workerId: string;
  startedAt: Date;
  durationMs: number;
  /** What the job returned (its figures are kept); ignored for a failed run. */
  result?: unknown;
  /** Set for a failed run. */
  error?: string | null;
}

/** Records one run and prunes the job's runs beyond `keep` (one IMMEDIATE transaction). */
export function recordJobRun(
  db: AuraDb,
  run: JobRunRecord,
  options: { keep?: number } = {},
): JobRun {
  const keep = options.keep ?? JOB_RUNS_KEEP;
  const failed = run.error !== undefined && run.error !== null;
  const jobName = run.jobName.slice(0, JOB_NAME_MAX);
  return writeTransaction(db, (tx) => {
    const row = insertAudited(
      tx,
      jobRuns,
      {
        jobName,
        workerId: run.workerId.slice(0, JOB_NAME_MAX),
        status: failed ? 'Failed' : 'Succeeded',
        startedAt: nowIso(run.startedAt),
        durationMs: Math.max(0, Math.round(run.durationMs)),
        resultJson: failed ? null : JSON.stringify(resultFigures(run.result)),
        errorMessage: failed ? (run.error ?? '').slice(0, ERROR_MAX_CHARS) : null,
      },
      'worker',
    );
    // The oldest run still kept; everything older than it goes.
    const oldestKept = tx
      .select({ startedAt: jobRuns.startedAt, id: jobRuns.id })
      .from(jobRuns)
      .where(eq(jobRuns.jobName, jobName))
      .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
      .limit(1)
      .offset(keep - 1)
      .get();
    if (oldestKept) {
      tx.delete(jobRuns)
        .where(
          and(
            eq(jobRuns.jobName, jobName),
            or(
              lt(jobRuns.startedAt, oldestKept.startedAt),
              and(eq(jobRuns.startedAt, oldestKept.startedAt), lt(jobRuns.id, oldestKept.id)),
            ),
          ),
        )
        .run();
    }
    return row;
  });
}

const resultSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export type JobRunView = Omit<JobRun, 'resultJson'> & { result: Record<string, ResultValue> };

function toView(row: JobRun): JobRunView {
  const { resultJson, ...rest } = row;
  let result: Record<string, ResultValue> = {};
  if (resultJson) {
    const parsed = resultSchema.safeParse(JSON.parse(resultJson));
    if (parsed.success) result = parsed.data;
  }
  return { ...rest, result };
}

/** Newest first: StartedAt desc, then Id desc (within one job). */
const runOrder = keyset<JobRun>('jobRuns', [
  { column: jobRuns.startedAt, direction: 'desc', of: (row) => row.startedAt },
  { column: jobRuns.id, direction: 'desc', of: (row) => row.id },
]);

/** One job's runs (limit + 1 rows), newest first. Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildJobRunsQuery(db: AuraDb, query: JobRunsQuery) {
  const conditions: (SQL | undefined)[] = [
    eq(jobRuns.jobName, query.job),
    runOrder.after(query.cursor),
  ];
  return db
    .select()
    .from(jobRuns)
    .where(and(...conditions))
    .orderBy(...runOrder.orderBy)
    .limit(query.limit + 1);
}

/** One page of a job's runs, newest first. */
export function listJobRuns(db: AuraDb, query: JobRunsQuery): Page<JobRunView> {
  const page = runOrder.page(buildJobRunsQuery(db, query).all(), query.limit);
  return { items: page.items.map(toView), nextCursor: page.nextCursor };
}

export interface WorkerJobView {
  name: string;
  /** How often it runs (ms); null when the heartbeat does not say (an older worker). */
  intervalMs: number | null;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  /** Figures of the newest recorded run. */
  lastResult: Record<string, ResultValue> | null;
  lastStatus: JobRun['status'] | null;
  lastError: string | null;
  /** Since the reporting worker started. */
  runs: number;
  failures: number;
  /** Failed runs among the kept history, with the newest failure's time and message. */
  recentFailures: number;
  lastFailureAt: string | null;
  lastFailureMessage: string | null;
  nextRunAt: string | null;
}

/**
 * Every job as the dashboard's worker page shows it: the schedule and counters from the newest
 * heartbeat, the last run's figures and the failures from JobRuns. Jobs recorded in JobRuns but
 * not in the heartbeat (no worker ran since) are listed too.
 */
export function workerJobs(db: AuraDb, now: Date = new Date()): WorkerJobView[] {
  const [worker] = workerStatus(db, now, 1);
  const states = new Map<string, WorkerJobState>((worker?.jobs ?? []).map((j) => [j.name, j]));
  const names = new Set<string>(states.keys());
  for (const row of db.selectDistinct({ name: jobRuns.jobName }).from(jobRuns).all())
    names.add(row.name);
  return [...names].map((name) => {
    const state = states.get(name);
    const last = db
      .select()
      .from(jobRuns)
      .where(eq(jobRuns.jobName, name))
      .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
      .limit(1)
      .get();
    const failure = db
      .select()
      .from(jobRuns)
      .where(and(eq(jobRuns.jobName, name), eq(jobRuns.status, 'Failed')))
      .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
      .limit(1)
      .get();
    const recentFailures = failure
      ? (db
          .select({ n: sql<number>`count(*)` })
          .from(jobRuns)
          .where(and(eq(jobRuns.jobName, name), eq(jobRuns.status, 'Failed')))
          .get()?.n ?? 0)
      : 0;
    const view = last ? toView(last) : null;
    return {
      name,
      intervalMs: state?.intervalMs ?? null,
      lastRunAt: state?.lastRunAt ?? view?.startedAt ?? null,
      lastDurationMs: state?.lastDurationMs ?? view?.durationMs ?? null,
      lastResult: view?.result ?? null,
      lastStatus: view?.status ?? null,
      lastError: state ? state.lastError : (view?.errorMessage ?? null),
      runs: state?.runs ?? 0,
      failures: state?.failures ?? 0,
      recentFailures,
      lastFailureAt: failure?.startedAt ?? null,
      lastFailureMessage: failure?.errorMessage ?? null,
      nextRunAt: state?.nextRunAt ?? null,
    };
  });
}
