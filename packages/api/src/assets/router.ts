import { authedProcedure, editorProcedure, router } from '../trpc';
import { assetListInput, assetRegisterInput, assetVersionedInput } from './schema';
import { listAssets, markAssetPermanent, registerAsset } from './service';

export const assetsRouter = router({
  /** Records a file (audio, image, video, subtitle) of a project. */
  register: editorProcedure
    .input(assetRegisterInput)
    .mutation(({ ctx, input }) => registerAsset(ctx.db, ctx.actor, input)),

  /** A project's assets, optionally of one type: `{ items, nextCursor }`. */
  list: authedProcedure.input(assetListInput).query(({ ctx, input }) => listAssets(ctx.db, input)),

  /** A temporary file becomes permanent. */
  markPermanent: editorProcedure
    .input(assetVersionedInput)
    .mutation(({ ctx, input }) => markAssetPermanent(ctx.db, ctx.actor, input)),
});
