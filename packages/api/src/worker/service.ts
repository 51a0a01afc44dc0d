import {
  auditedSet,
  auditedUpdateWhere,
  nowIso,
  stampInsert,
  workerHeartbeats,
  type Actor,
  type AuraDb,
} from '@aura/db';
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';

/** CreatedBy/ModifiedBy of the heartbeat rows. */
const WORKER_ACTOR: Actor = 'worker';

/** What a worker reports about one of its jobs on each tick. */
export interface WorkerJobState {
  name: string;
  /** How often the job runs; absent in heartbeats of older workers. */
  intervalMs?: number;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  lastError: string | null;
  runs: number;
  failures: number;
  nextRunAt: string;
}

/** JobsJson as the heartbeat wrote it; read back through this, not a cast. */
const workerJobStates = z.array(
  z.object({
    name: z.string(),
    intervalMs: z.number().optional(),
    lastRunAt: z.string().nullable(),
    lastDurationMs: z.number().nullable(),
    lastError: z.string().nullable(),
    runs: z.number(),
    failures: z.number(),
    nextRunAt: z.string(),
  }),
) satisfies z.ZodType<WorkerJobState[]>;

export interface WorkerHeartbeat {
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: string;
  tickCount: number;
  tickIntervalMs: number;
  jobs: WorkerJobState[];
}

/** Records a worker's tick (one row per worker process, upserted). */
export function recordWorkerHeartbeat(
  db: AuraDb,
  beat: WorkerHeartbeat,
  now: Date = new Date(),
): void {
  const at = nowIso(now);
  const values = {
    hostname: beat.hostname,
    pid: beat.pid,
    startedAt: beat.startedAt,
    lastTickAt: at,
    tickCount: beat.tickCount,
    tickIntervalMs: beat.tickIntervalMs,
    jobsJson: JSON.stringify(beat.jobs),
    stoppedAt: null,
  };
  db.insert(workerHeartbeats)
    .values(stampInsert(workerHeartbeats, { workerId: beat.workerId, ...values }, WORKER_ACTOR, at))
    .onConflictDoUpdate({
      target: workerHeartbeats.workerId,
      set: auditedSet(workerHeartbeats, values, WORKER_ACTOR, at),
    })
    .run();
}

/** Marks a worker as stopped on graceful shutdown. */
export function markWorkerStopped(db: AuraDb, workerId: string, now: Date = new Date()): void {
  const at = nowIso(now);
  auditedUpdateWhere(
    db,
    workerHeartbeats,
    eq(workerHeartbeats.workerId, workerId),
    { stoppedAt: at },
    WORKER_ACTOR,
    at,
  );
}

export interface WorkerStatus {
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: string;
  lastTickAt: string;
  tickCount: number;
  stoppedAt: string | null;
  /** Ticked within three intervals and not stopped. */
  alive: boolean;
  secondsSinceTick: number;
  jobs: WorkerJobState[];
}

/** The most recent workers, newest tick first (the dashboard's worker panel). */
export function workerStatus(db: AuraDb, now: Date = new Date(), limit = 5): WorkerStatus[] {
  return db
    .select()
    .from(workerHeartbeats)
    .orderBy(desc(workerHeartbeats.lastTickAt))
    .limit(limit)
    .all()
    .map((row) => {
      const age = now.getTime() - Date.parse(row.lastTickAt);
      return {
        workerId: row.workerId,
        hostname: row.hostname,
        pid: row.pid,
        startedAt: row.startedAt,
        lastTickAt: row.lastTickAt,
        tickCount: row.tickCount,
        stoppedAt: row.stoppedAt,
        alive: row.stoppedAt === null && age < 3 * row.tickIntervalMs,
        secondsSinceTick: Math.max(0, Math.round(age / 1000)),
        jobs: row.jobsJson ? workerJobStates.parse(JSON.parse(row.jobsJson)) : [],
      };
    });
}
