import { publicProcedure, router } from '../trpc';
import { getHealth } from './service';

export const healthRouter = router({
  /** Database reachable, migrations up to date, file and WAL sizes. */
  get: publicProcedure.query(({ ctx }) => getHealth(ctx.db)),
});
