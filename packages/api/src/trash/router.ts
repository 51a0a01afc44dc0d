import { authedProcedure, router } from '../trpc';
import { listDeleters } from './service';

/** What the Trash page needs beyond each kind's own trash list. */
export const trashRouter = router({
  /** Names of the users who deleted something now in the trash. */
  deleters: authedProcedure.query(({ ctx }) => listDeleters(ctx.db)),
});
