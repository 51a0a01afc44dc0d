import { hostname } from 'node:os';
import {
  checkIntegrity,
  getHealth,
  markWorkerStopped,
  recordJobRun,
  recordWorkerHeartbeat,
} from '@aura/api/worker';
import { databasePath, openDatabase } from '@aura/db';
import { createExportJobs } from './exports';
import { errorFields, log } from './log';
import { createMaintenanceJobs } from './maintenance';
import { Scheduler, type Job } from './scheduler';

/**
 * The worker: a long-running process beside the web server, on the same database file. It acts
 * on the domain only through the api package's services. `--once` runs every job once and exits
 * (for cron and tests).
 */

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    log.error('bad configuration', { variable: name, value: raw, expected: 'a whole number ≥ 1' });
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const once = process.argv.includes('--once');
  const tickMs = positiveIntFromEnv('AURA_WORKER_TICK_MS', 5_000);
  const dbPath = databasePath();
  const db = openDatabase(dbPath);

  const health = getHealth(db);
  if (!health.migrations.upToDate) {
    log.error('database is not migrated', {
      dbPath,
      pending: health.migrations.pending,
      fix: 'run `pnpm db:migrate` (or `npm run up`) first',
    });
    db.$client.close();
    process.exitCode = 1;
    return;
  }

  const workerId = `${hostname()}:${process.pid}`;
  const exportJobs = createExportJobs({ db, log, workerId, once });
  const jobs: Job[] = [
    exportJobs.job,
    ...createMaintenanceJobs({ db, log, dbPath }),
    {
      name: 'health',
      intervalMs: tickMs,
      run: () => {
        const h = getHealth(db);
        return {
          dbBytes: h.database.sizeBytes,
          walBytes: h.database.walSizeBytes,
          migrationsUpToDate: h.migrations.upToDate,
        };
      },
    },
    {
      // A quick_check a day (and at start): the health page shows the last result.
      name: 'integrity',
      intervalMs: positiveIntFromEnv('AURA_WORKER_INTEGRITY_MS', 24 * 60 * 60_000),
      run: () => {
        const result = checkIntegrity(db);
        if (!result.ok) throw new Error(`Integrity check failed: ${result.problems.join('; ')}`);
        return { ok: true, ms: result.durationMs };
      },
    },
  ];
  const startedAt = new Date().toISOString();
  const scheduler = new Scheduler(
    jobs,
    tickMs,
    log,
    Date.now,
    (tickCount, states) =>
      recordWorkerHeartbeat(db, {
        workerId,
        hostname: hostname(),
        pid: process.pid,
        startedAt,
        tickCount,
        tickIntervalMs: tickMs,
        jobs: states,
      }),
    (run) =>
      recordJobRun(db, {
        jobName: run.name,
        workerId,
        startedAt: run.startedAt,
        durationMs: run.durationMs,
        result: run.result,
        error: run.error,
      }),
  );
  log.info('worker started', { workerId, dbPath, tickMs, once, jobs: jobs.map((j) => j.name) });

  if (once) {
    await scheduler.tick(true);
    await exportJobs.stop();
    markWorkerStopped(db, workerId);
    db.$client.close();
    log.info('worker finished (--once)');
    return;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('worker stopping', { signal });
    await scheduler.stop();
    // The export in progress finishes, or its lease is handed back for another worker.
    await exportJobs.stop();
    markWorkerStopped(db, workerId);
    db.$client.close();
    log.info('worker stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  scheduler.start();
}

main().catch((error: unknown) => {
  log.error('worker crashed', errorFields(error));
  process.exit(1);
});
