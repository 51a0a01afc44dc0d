import { authedProcedure, publicProcedure, router } from '../trpc';
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
  details: authedProcedure.query(({ ctx }) =>
    forRole(getHealth(ctx.db), ctx.principal.role === 'admin'),
  ),
});
