import { authedProcedure, publicProcedure, router } from '../trpc';
import { latestBackupRun } from '../maintenance/backups';
import { workerStatus } from '../worker/service';
import { lastIntegrityCheck } from './integrity';
import { getHealth, publicHealth, type HealthReport } from './service';

const ADMIN_ONLY = 'details are shown to admins';

/** Paths and error texts (which may name files) only for admins. */
function forRole(report: HealthReport, isAdmin: boolean): HealthReport {
  if (isAdmin) return report;
  return {
    ...report,
    database: {
      ...report.database,
      path: null,
      error: report.database.error && ADMIN_ONLY,
    },
    migrations: { ...report.migrations, error: report.migrations.error && ADMIN_ONLY },
  };
}

export const healthRouter = router({
  /** Public (load balancers, uptime checks): ok or degraded, nothing else. */
  get: publicProcedure.query(({ ctx }) => publicHealth(getHealth(ctx.db))),
  /** Signed in: reachable, migrations, file and WAL sizes; the file path for admins. */
  details: authedProcedure.query(({ ctx }) => {
    const isAdmin = ctx.principal.role === 'admin';
    const [worker] = workerStatus(ctx.db, new Date(), 1);
    const backup = latestBackupRun(ctx.db);
    return {
      ...forRole(getHealth(ctx.db), isAdmin),
      /** The newest run of the worker's daily integrity check (quick_check); null before the first. */
      integrity: lastIntegrityCheck(ctx.db),
      /** The most recently ticking worker; null when none ever ran. */
      worker: worker
        ? {
            workerId: worker.workerId,
            alive: worker.alive,
            lastTickAt: worker.lastTickAt,
            secondsSinceTick: worker.secondsSinceTick,
            stoppedAt: worker.stoppedAt,
            failingJobs: worker.jobs.filter((j) => j.lastError !== null).map((j) => j.name),
          }
        : null,
      /** The newest backup run (its integrity was checked when it was taken). */
      lastBackup: backup
        ? {
            startedAt: backup.startedAt,
            status: backup.status,
            error: backup.errorMessage && (isAdmin ? backup.errorMessage : ADMIN_ONLY),
          }
        : null,
    };
  }),
});
