import { adminProcedure, authedProcedure, router } from '../trpc';
import { completeInstallation, installationStatus } from './installation';
import {
  installationCompleteInput,
  setupCompleteInput,
  setupResetInput,
  setupSaveProgressInput,
  setupStatusInput,
} from './schema';
import { completeSetup, getSetupStatus, resetSetup, saveSetupProgress } from './service';

/**
 * Each user's first-run wizard. Every signed-in user (viewers too) manages their own: it is their
 * state, not content. `userId` names another user's setup, which only an admin may read or change.
 */
export const setupRouter = router({
  status: authedProcedure
    .input(setupStatusInput)
    .query(({ ctx, input }) => getSetupStatus(ctx.db, ctx.principal, input)),
  saveProgress: authedProcedure
    .input(setupSaveProgressInput)
    .mutation(({ ctx, input }) => saveSetupProgress(ctx.db, ctx.principal, input)),
  complete: authedProcedure
    .input(setupCompleteInput)
    .mutation(({ ctx, input }) => completeSetup(ctx.db, ctx.principal, input)),
  reset: authedProcedure
    .input(setupResetInput)
    .mutation(({ ctx, input }) => resetSetup(ctx.db, ctx.principal, input)),
  /** Whether the installation is set up; for admins, what is left to do. */
  installation: authedProcedure.query(({ ctx }) => installationStatus(ctx.db, ctx.principal)),
  /** The first admin's installation setup: FFmpeg, output folder, then IsSetupComplete. */
  completeInstallation: adminProcedure
    .input(installationCompleteInput)
    .mutation(({ ctx, input }) => completeInstallation(ctx.db, ctx.principal, ctx.actor, input)),
});
