import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { auditColumns, jsonOrNull, oneOf, rowVersionColumn, uuidPk } from './columns';

export const JOB_RUN_STATUSES = ['Succeeded', 'Failed'] as const;

/**
 * One row per run of a worker job (not in the seed): when it started, how long it took, what it
 * counted or why it failed, for the dashboard's per-job history. The worker prunes each job's
 * oldest rows after every insert, so the table stays bounded.
 */
export const jobRuns = sqliteTable(
  'JobRuns',
  {
    id: uuidPk(),
    jobName: text('JobName').notNull(),
    /** `hostname:pid` of the worker that ran it. */
    workerId: text('WorkerId').notNull(),
    status: text('Status', { enum: JOB_RUN_STATUSES }).notNull(),
    startedAt: text('StartedAt').notNull(),
    durationMs: integer('DurationMs').notNull(),
    /** What the job returned (counts), as a JSON object. */
    resultJson: text('ResultJson'),
    errorMessage: text('ErrorMessage'),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_JobRuns_JobName_StartedAt_Id').on(t.jobName, t.startedAt, t.id),
    oneOf('JobRuns', 'Status', JOB_RUN_STATUSES),
    jsonOrNull('JobRuns', 'ResultJson'),
  ],
);

export type JobRun = typeof jobRuns.$inferSelect;
