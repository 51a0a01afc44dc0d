import { authedProcedure, editorProcedure, router } from '../trpc';
import {
  templateCreateProjectInput,
  templateGetInput,
  templateListInput,
  templateRateInput,
} from './schema';
import { createProjectFromTemplate, getTemplate, listTemplates, rateTemplate } from './service';

export const templatesRouter = router({
  /** System and community templates, filtered and paged: `{ items, nextCursor }`. */
  list: authedProcedure
    .input(templateListInput)
    .query(({ ctx, input }) => listTemplates(ctx.db, input)),
  /** One template with parsed TemplateData and the caller's own rating. */
  get: authedProcedure
    .input(templateGetInput)
    .query(({ ctx, input }) => getTemplate(ctx.db, ctx.actor, input.id)),
  /** A new project whose specs start from the template; counts the template's use. */
  createProject: editorProcedure
    .input(templateCreateProjectInput)
    .mutation(({ ctx, input }) => createProjectFromTemplate(ctx.db, ctx.actor, input)),
  /** Rates 1..5 (one rating per user, changeable); returns the new average and count. */
  rate: editorProcedure
    .input(templateRateInput)
    .mutation(({ ctx, input }) => rateTemplate(ctx.db, ctx.actor, input)),
});
