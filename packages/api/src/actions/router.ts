import { ForbiddenError } from '@aura/db';
import { authedProcedure, editorProcedure, router } from '../trpc';
import { actionExportInput, actionHistoryInput } from './schema';
import { exportHistory, history, redo, undo } from './service';

/** Whose history: one's own; another user's only for an admin. */
function subject(ctx: { principal: { userId: string; role: string } }, userId?: string): string {
  if (!userId || userId === ctx.principal.userId) return ctx.principal.userId;
  if (ctx.principal.role !== 'admin')
    throw new ForbiddenError("Only an admin may read another user's action log");
  return userId;
}

export const actionsRouter = router({
  /** Undoes the caller's latest action (or batch); CONFLICT if a resource changed since. */
  undo: editorProcedure.mutation(({ ctx }) => undo(ctx.db, ctx.principal.userId)),
  /** Re-applies what the caller undid last, unless they did something new since. */
  redo: editorProcedure.mutation(({ ctx }) => redo(ctx.db, ctx.principal.userId)),

  history: authedProcedure
    .input(actionHistoryInput)
    .query(({ ctx, input }) => history(ctx.db, { ...input, userId: subject(ctx, input.userId) })),

  export: authedProcedure.input(actionExportInput).query(({ ctx, input }) => ({
    format: input.format,
    content: exportHistory(ctx.db, subject(ctx, input.userId), input.format),
  })),
});
