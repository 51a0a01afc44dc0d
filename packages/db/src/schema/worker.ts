import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { auditColumns, jsonOrNull, rowVersionColumn } from './columns';

/**
 * Each worker process's heartbeat (not in the seed): written every scheduler tick so the
 * dashboard can show that the worker is alive and what its jobs last did.
 */
export const workerHeartbeats = sqliteTable(
  'WorkerHeartbeats',
  {
    /** `hostname:pid`. */
    workerId: text('WorkerId').primaryKey(),
    hostname: text('Hostname').notNull(),
    pid: integer('Pid').notNull(),
    startedAt: text('StartedAt').notNull(),
    lastTickAt: text('LastTickAt').notNull(),
    tickCount: integer('TickCount').notNull().default(0),
    tickIntervalMs: integer('TickIntervalMs').notNull(),
    /** Each job's last run, counts and next run. */
    jobsJson: text('JobsJson'),
    stoppedAt: text('StoppedAt'),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_WorkerHeartbeats_LastTickAt').on(t.lastTickAt),
    jsonOrNull('WorkerHeartbeats', 'JobsJson'),
  ],
);
