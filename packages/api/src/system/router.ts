import { adminProcedure, authedProcedure, router } from '../trpc';
import { systemUpdateInput } from './schema';
import { getSystemConfiguration, updateSystemConfiguration } from './service';

/** The installation's settings (one row). Anyone signed in reads; only an admin changes them. */
export const systemRouter = router({
  get: authedProcedure.query(({ ctx }) => getSystemConfiguration(ctx.db)),
  update: adminProcedure
    .input(systemUpdateInput)
    .mutation(({ ctx, input }) => updateSystemConfiguration(ctx.db, ctx.actor, input)),
});
