import { editorProcedure, router } from '../trpc';
import { sceneAddInput, sceneReorderInput, sceneUpdateInput, sceneVersionedInput } from './schema';
import { addScene, completeScene, deleteScene, reorderScenes, updateScene } from './service';

/** Scenes of a project (read them with projects.get). Indices stay 0..n-1 with no gaps. */
export const scenesRouter = router({
  /** Appends a scene, or inserts it at `index` and shifts the following ones. */
  add: editorProcedure
    .input(sceneAddInput)
    .mutation(({ ctx, input }) => addScene(ctx.db, ctx.actor, input)),

  update: editorProcedure
    .input(sceneUpdateInput)
    .mutation(({ ctx, input }) => updateScene(ctx.db, ctx.actor, input)),

  /**
   * The full ordered list of the project's scenes (id and the RowVersion read); a stale one is
   * CONFLICT. Returns the scenes in their new order.
   */
  reorder: editorProcedure
    .input(sceneReorderInput)
    .mutation(({ ctx, input }) => reorderScenes(ctx.db, ctx.actor, input)),

  complete: editorProcedure
    .input(sceneVersionedInput)
    .mutation(({ ctx, input }) => completeScene(ctx.db, ctx.actor, input)),

  /** Deletes a scene; the following scenes move up so no gap remains. */
  delete: editorProcedure
    .input(sceneVersionedInput)
    .mutation(({ ctx, input }) => deleteScene(ctx.db, ctx.actor, input)),
});
