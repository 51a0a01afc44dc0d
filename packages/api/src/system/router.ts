import { adminProcedure, authedProcedure, router } from '../trpc';
import { systemTestFfmpegInput, systemUpdateInput } from './schema';
import { getSystemConfiguration, testFfmpeg, updateSystemConfiguration } from './service';

/** The installation's settings (one row). Anyone signed in reads; only an admin changes them. */
export const systemRouter = router({
  get: authedProcedure.query(({ ctx }) => getSystemConfiguration(ctx.db)),
  update: adminProcedure
    .input(systemUpdateInput)
    .mutation(({ ctx, input }) => updateSystemConfiguration(ctx.db, ctx.actor, input)),
  /** Runs `<ffmpeg> -version` (no shell, with a timeout) and reports its first line or error. */
  testFfmpeg: adminProcedure
    .input(systemTestFfmpegInput)
    .mutation(({ ctx, input }) => testFfmpeg(ctx.db, input)),
});
