import { adminProcedure, authedProcedure, editorProcedure, router } from '../trpc';
import {
  customTemplateCreateInput,
  customTemplateCreateProjectInput,
  customTemplateIdInput,
  customTemplateKeyInput,
  customTemplateListInput,
  customTemplateTrashInput,
  customTemplateUpdateInput,
} from './schema';
import {
  createCustomTemplate,
  createProjectFromCustomTemplate,
  getCustomTemplate,
  listCustomTemplateTrash,
  listCustomTemplates,
  purgeCustomTemplate,
  restoreCustomTemplate,
  softDeleteCustomTemplate,
  updateCustomTemplate,
} from './service';

export const customTemplatesRouter = router({
  create: editorProcedure
    .input(customTemplateCreateInput)
    .mutation(({ ctx, input }) => createCustomTemplate(ctx.db, ctx.principal, input)),
  get: authedProcedure
    .input(customTemplateIdInput)
    .query(({ ctx, input }) => getCustomTemplate(ctx.db, input.id)),
  /** Live custom templates, newest first: `{ items, nextCursor }`. */
  list: authedProcedure
    .input(customTemplateListInput)
    .query(({ ctx, input }) => listCustomTemplates(ctx.db, input)),
  /** Soft-deleted custom templates, most recently deleted first. */
  trash: authedProcedure
    .input(customTemplateTrashInput)
    .query(({ ctx, input }) => listCustomTemplateTrash(ctx.db, input)),
  update: editorProcedure
    .input(customTemplateUpdateInput)
    .mutation(({ ctx, input }) => updateCustomTemplate(ctx.db, ctx.actor, input)),
  softDelete: editorProcedure
    .input(customTemplateKeyInput)
    .mutation(({ ctx, input }) => softDeleteCustomTemplate(ctx.db, ctx.actor, input)),
  /** A new project whose specs start from the custom template (see projectSpecsOf). */
  createProject: editorProcedure
    .input(customTemplateCreateProjectInput)
    .mutation(({ ctx, input }) => createProjectFromCustomTemplate(ctx.db, ctx.actor, input)),
  restore: editorProcedure
    .input(customTemplateKeyInput)
    .mutation(({ ctx, input }) => restoreCustomTemplate(ctx.db, ctx.actor, input)),
  /** Removes a template in the trash for good. Admin only. */
  purge: adminProcedure
    .input(customTemplateKeyInput)
    .mutation(({ ctx, input }) => purgeCustomTemplate(ctx.db, input)),
});
