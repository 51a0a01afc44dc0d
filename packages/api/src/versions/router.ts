import { adminProcedure, authedProcedure, editorProcedure, router } from '../trpc';
import { diffVersions } from './compare';
import {
  createVersion,
  describeVersion,
  getVersion,
  listVersionTrash,
  listVersions,
  setVersionImportant,
  softDeleteVersion,
  undeleteVersion,
  versionTrash,
} from './history';
import { purgeVersion } from './purge';
import { restoreVersion } from './restore';
import { checkReferenceCounts, collectBlobs, storageStats } from './storage';
import {
  checkReferencesInput,
  collectBlobsInput,
  versionCreateInput,
  versionDescribeInput,
  versionDiffInput,
  versionIdInput,
  versionKeyInput,
  versionListInput,
  versionRestoreInput,
  versionSetImportantInput,
  versionStatsInput,
  versionTrashInput,
  versionTrashListInput,
} from './schema';

export const versionsRouter = router({
  /** Captures the project's specs and timeline. An unchanged autosave returns the latest version. */
  create: editorProcedure
    .input(versionCreateInput)
    .mutation(({ ctx, input }) => createVersion(ctx.db, ctx.actor, input)),

  list: authedProcedure
    .input(versionListInput)
    .query(({ ctx, input }) => listVersions(ctx.db, input)),

  /** A version with its content read back from the blobs. */
  get: authedProcedure
    .input(versionIdInput)
    .query(({ ctx, input }) => getVersion(ctx.db, input.id)),

  /** Rename and/or describe. */
  describe: editorProcedure
    .input(versionDescribeInput)
    .mutation(({ ctx, input }) => describeVersion(ctx.db, ctx.actor, input)),

  /** Important versions are never pruned automatically. */
  setImportant: editorProcedure
    .input(versionSetImportantInput)
    .mutation(({ ctx, input }) => setVersionImportant(ctx.db, ctx.actor, input)),

  softDelete: editorProcedure
    .input(versionKeyInput)
    .mutation(({ ctx, input }) => softDeleteVersion(ctx.db, ctx.actor, input)),
  undelete: editorProcedure
    .input(versionKeyInput)
    .mutation(({ ctx, input }) => undeleteVersion(ctx.db, ctx.actor, input)),
  trash: authedProcedure
    .input(versionTrashInput)
    .query(({ ctx, input }) => versionTrash(ctx.db, input.projectId)),
  /** Trashed versions of every project, most recently deleted first: `{ items, nextCursor }`. */
  trashAll: authedProcedure
    .input(versionTrashListInput)
    .query(({ ctx, input }) => listVersionTrash(ctx.db, input)),
  /** Hard delete; releases every reference the version held. */
  purge: adminProcedure
    .input(versionIdInput)
    .mutation(({ ctx, input }) => purgeVersion(ctx.db, input.id, ctx.actor)),

  /** Takes a RestorePoint of the current state, then writes the version back into the project. */
  restore: editorProcedure
    .input(versionRestoreInput)
    .mutation(({ ctx, input }) => restoreVersion(ctx.db, ctx.actor, input)),

  /** Structural diff between two versions, or a version and the project's current state. */
  diff: authedProcedure
    .input(versionDiffInput)
    .query(({ ctx, input }) => diffVersions(ctx.db, input)),

  /** Logical and stored bytes, dedup ratio, and per version the bytes only it holds. */
  stats: authedProcedure
    .input(versionStatsInput)
    .query(({ ctx, input }) => storageStats(ctx.db, input?.projectId)),

  collectBlobs: adminProcedure
    .input(collectBlobsInput)
    .mutation(({ ctx, input }) =>
      collectBlobs(ctx.db, { dryRun: input.dryRun, graceMs: input.graceMinutes * 60_000 }),
    ),

  checkReferences: adminProcedure
    .input(checkReferencesInput)
    .mutation(({ ctx, input }) =>
      checkReferenceCounts(ctx.db, { fix: input?.fix, actor: ctx.actor }),
    ),
});
