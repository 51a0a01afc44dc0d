import { authedProcedure, editorProcedure, router } from '../trpc';
import { EXPORT_PRESETS } from './presets';
import { listProjectExports, projectExportsInput } from './project';
import { exportEnqueueInput, exportIdInput, exportListInput } from './schema';
import { cancelExport, enqueueExport, getExport, listExports, retryExport } from './service';

export const exportsRouter = router({
  /** The preset catalog: platform, resolution, codec, container and bitrates of each. */
  presets: authedProcedure.query(() => EXPORT_PRESETS),
  /** Queues an export of an existing media file into the output directory. */
  enqueue: editorProcedure
    .input(exportEnqueueInput)
    .mutation(({ ctx, input }) => enqueueExport(ctx.db, ctx.actor, input)),
  get: authedProcedure.input(exportIdInput).query(({ ctx, input }) => getExport(ctx.db, input.id)),
  /** Export history, newest first: `{ items, nextCursor }`. */
  list: authedProcedure
    .input(exportListInput)
    .query(({ ctx, input }) => listExports(ctx.db, input)),
  /** One project's exports (made from its assets), newest first: `{ items, nextCursor }`. */
  forProject: authedProcedure
    .input(projectExportsInput)
    .query(({ ctx, input }) => listProjectExports(ctx.db, input)),
  /** Queued or InProgress → Cancelled; anything else is CONFLICT. */
  cancel: editorProcedure
    .input(exportIdInput)
    .mutation(({ ctx, input }) => cancelExport(ctx.db, ctx.actor, input.id)),
  /** A Failed or Cancelled export again, as a new Queued export (returned). */
  retry: editorProcedure
    .input(exportIdInput)
    .mutation(({ ctx, input }) => retryExport(ctx.db, ctx.actor, input.id)),
});
