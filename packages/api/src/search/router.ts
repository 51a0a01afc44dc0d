import { authedProcedure, router } from '../trpc';
import { searchGlobalInput } from './schema';
import { searchEverything } from './service';

export const searchRouter = router({
  /**
   * The dashboard's search box: projects, scenes, templates and custom templates, best first,
   * with highlighted snippets. Every signed-in role may search.
   */
  global: authedProcedure
    .input(searchGlobalInput)
    .query(({ ctx, input }) => searchEverything(ctx.db, input)),
});
