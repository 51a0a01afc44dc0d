import { authedProcedure, router } from '../trpc';
import { listJobRuns, workerJobs } from './runs';
import { jobRunsInput } from './schema';
import { workerStatus } from './service';

export const workerRouter = router({
  /** The most recent worker processes: alive or not, last tick, each job's last and next run. */
  status: authedProcedure.query(({ ctx }) => workerStatus(ctx.db)),
  /** Each job: schedule, last run and its figures, failures with their messages, next run. */
  jobs: authedProcedure.query(({ ctx }) => workerJobs(ctx.db)),
  /** One job's recorded runs, newest first: `{ items, nextCursor }`. */
  runs: authedProcedure.input(jobRunsInput).query(({ ctx, input }) => listJobRuns(ctx.db, input)),
});
