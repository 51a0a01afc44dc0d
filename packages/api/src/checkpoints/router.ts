import { authedProcedure, editorProcedure, router } from '../trpc';
import { listRecoverableProjects, markInterruptedFailed } from './recovery';
import {
  checkpointCreateInput,
  checkpointLatestInput,
  checkpointListInput,
  checkpointVersionedInput,
  recoveryListInput,
  recoveryMarkFailedInput,
} from './schema';
import {
  createCheckpoint,
  invalidateCheckpoint,
  latestValidCheckpoint,
  listCheckpoints,
} from './service';

export const checkpointsRouter = router({
  /** Records a render checkpoint (valid). */
  create: editorProcedure
    .input(checkpointCreateInput)
    .mutation(({ ctx, input }) => createCheckpoint(ctx.db, ctx.actor, input)),

  /** A project's checkpoints, newest first: `{ items, nextCursor }`. */
  list: authedProcedure
    .input(checkpointListInput)
    .query(({ ctx, input }) => listCheckpoints(ctx.db, input)),

  /** The newest valid checkpoint (optionally of one stage), or null. */
  latestValid: authedProcedure
    .input(checkpointLatestInput)
    .query(({ ctx, input }) => latestValidCheckpoint(ctx.db, input)),

  invalidate: editorProcedure
    .input(checkpointVersionedInput)
    .mutation(({ ctx, input }) => invalidateCheckpoint(ctx.db, ctx.actor, input)),
});

export const recoveryRouter = router({
  /**
   * Interrupted projects (InProgress, not updated for `staleMinutes`) with their last valid
   * checkpoint and the referenced files missing on disk.
   */
  list: authedProcedure
    .input(recoveryListInput)
    .query(({ ctx, input }) => listRecoverableProjects(ctx.db, input)),
  /** Gives up on an interrupted project: InProgress → Failed (editors; undoable). */
  markFailed: editorProcedure
    .input(recoveryMarkFailedInput)
    .mutation(({ ctx, input }) => markInterruptedFailed(ctx.db, ctx.actor, input)),
});
