import { authedProcedure, router } from '../trpc';
import { projectListInput } from './schema';
import { listProjects } from './service';

export const projectsRouter = router({
  /** Live projects, one page at a time: `{ items, nextCursor }`. */
  list: authedProcedure
    .input(projectListInput)
    .query(({ ctx, input }) => listProjects(ctx.db, input)),
});
