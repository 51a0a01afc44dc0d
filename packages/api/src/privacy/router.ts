import { adminProcedure, authedProcedure } from '../trpc';
import { exportManifest, exportSubject, exportUrl } from './export';
import { exportDataInput, forgetInput } from './schema';
import { forgetUser } from './service';

/** Procedures of `users` for personal data (issue 13); the users router includes them. */
export const privacyProcedures = {
  /**
   * What "Download my data" holds (files and counts) and where to download it: the caller's own
   * data, or an admin's choice of user. The archive itself streams from `downloadUrl`.
   */
  exportData: authedProcedure.input(exportDataInput).query(({ ctx, input }) => {
    const userId = exportSubject(ctx.db, ctx.principal, input?.userId);
    return {
      ...exportManifest(ctx.db, userId),
      downloadUrl: exportUrl(ctx.principal, userId),
    };
  }),
  /** Forgets a user for good (admins). `dryRun` lists what would go and changes nothing. */
  forget: adminProcedure
    .input(forgetInput)
    .mutation(({ ctx, input }) => forgetUser(ctx.db, ctx.principal, input)),
};
