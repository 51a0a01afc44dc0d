import { ACTION_STATUSES, ForbiddenError } from '@aura/db';
import { z } from 'zod';
import { authedProcedure, editorProcedure, router } from '../trpc';
import { LABEL_MAX, isoDateTimeField, uuidField } from '../limits';
import { pageCursor } from '../paging';
import { exportHistory, history, redo, undo } from './service';

/** Whose history: one's own; another user's only for an admin. */
function subject(ctx: { principal: { userId: string; role: string } }, userId?: string): string {
  if (!userId || userId === ctx.principal.userId) return ctx.principal.userId;
  if (ctx.principal.role !== 'admin')
    throw new ForbiddenError("Only an admin may read another user's action log");
  return userId;
}

const isoDate = isoDateTimeField();
const userId = uuidField('User id').optional();

export const actionsRouter = router({
  /** Undoes the caller's latest action (or batch); CONFLICT if a resource changed since. */
  undo: editorProcedure.mutation(({ ctx }) => undo(ctx.db, ctx.principal.userId)),
  /** Re-applies what the caller undid last, unless they did something new since. */
  redo: editorProcedure.mutation(({ ctx }) => redo(ctx.db, ctx.principal.userId)),

  history: authedProcedure
    .input(
      z.object({
        userId,
        status: z.enum(ACTION_STATUSES).optional(),
        actionType: z.string().max(LABEL_MAX).optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
        cursor: pageCursor,
        limit: z.number().int().min(1).max(100).default(50),
      }),
    )
    .query(({ ctx, input }) => history(ctx.db, { ...input, userId: subject(ctx, input.userId) })),

  export: authedProcedure
    .input(z.object({ userId, format: z.enum(['json', 'csv']) }))
    .query(({ ctx, input }) => ({
      format: input.format,
      content: exportHistory(ctx.db, subject(ctx, input.userId), input.format),
    })),
});
