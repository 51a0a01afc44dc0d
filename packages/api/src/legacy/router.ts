import { adminProcedure, router } from '../trpc';
import { checkMediaPath, mediaGuard } from '../media/paths';
import { importLegacyDatabase } from './import';
import { ownerByEmail } from './owner';
import { legacyImportInput } from './schema';

/** Importing a .NET Aura database (admins only). */
export const legacyRouter = router({
  /**
   * Imports (or, with dryRun, only reports) a legacy `aura.db` inside a media root; returns the
   * report. The source is never written.
   */
  import: adminProcedure.input(legacyImportInput).mutation(async ({ ctx, input }) => {
    const source = checkMediaPath(mediaGuard(ctx.db), 'path', input.path);
    const owner = input.ownerEmail
      ? ownerByEmail(ctx.db, input.ownerEmail)
      : { id: ctx.principal.userId, email: ctx.principal.email };
    return importLegacyDatabase(ctx.db, { source, dryRun: input.dryRun, owner });
  }),
});
