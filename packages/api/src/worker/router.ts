import { authedProcedure, router } from '../trpc';
import { workerStatus } from './service';

export const workerRouter = router({
  /** The most recent worker processes: alive or not, last tick, each job's last and next run. */
  status: authedProcedure.query(({ ctx }) => workerStatus(ctx.db)),
});
