import { VERSION_TYPES, getById, projectStates, projectVersions } from '@aura/db';
import { z } from 'zod';
import { adminProcedure, authedProcedure, editorProcedure, router } from '../trpc';
import { DESCRIPTION_MAX, LABEL_MAX, NAME_MAX, uuidField } from '../limits';
import { pageCursor } from '../paging';
import { diffContent } from './diff';
import {
  checkReferenceCounts,
  collectBlobs,
  createVersion,
  describeVersion,
  getVersion,
  listVersions,
  purgeVersion,
  restoreVersion,
  setVersionImportant,
  softDeleteVersion,
  storageStats,
  undeleteVersion,
  versionTrash,
} from './service';
import { currentContent, versionContent } from './snapshot';

const id = uuidField('Id');
const rowVersion = z.number().int().min(1);
const key = z.object({ id, rowVersion });
const label = z.string().trim().max(NAME_MAX).nullish();
const description = z.string().max(DESCRIPTION_MAX).trim().nullish();

export const versionsRouter = router({
  /** Captures the project's specs and timeline. An unchanged autosave returns the latest version. */
  create: editorProcedure
    .input(
      z.object({
        projectId: id,
        versionType: z.enum(VERSION_TYPES).default('Manual'),
        name: label,
        description,
        trigger: z.string().trim().max(LABEL_MAX).nullish(),
      }),
    )
    .mutation(({ ctx, input }) => createVersion(ctx.db, ctx.actor, input)),

  list: authedProcedure
    .input(
      z.object({
        projectId: id,
        versionType: z.enum(VERSION_TYPES).optional(),
        cursor: pageCursor,
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) => listVersions(ctx.db, input)),

  /** A version with its content read back from the blobs. */
  get: authedProcedure
    .input(z.object({ id }))
    .query(({ ctx, input }) => getVersion(ctx.db, input.id)),

  /** Rename and/or describe. */
  describe: editorProcedure
    .input(key.extend({ name: label, description }))
    .mutation(({ ctx, input }) => describeVersion(ctx.db, ctx.actor, input)),

  /** Important versions are never pruned automatically. */
  setImportant: editorProcedure
    .input(key.extend({ important: z.boolean() }))
    .mutation(({ ctx, input }) => setVersionImportant(ctx.db, ctx.actor, input)),

  softDelete: editorProcedure
    .input(key)
    .mutation(({ ctx, input }) => softDeleteVersion(ctx.db, ctx.actor, input)),
  undelete: editorProcedure
    .input(key)
    .mutation(({ ctx, input }) => undeleteVersion(ctx.db, ctx.actor, input)),
  trash: authedProcedure
    .input(z.object({ projectId: id }))
    .query(({ ctx, input }) => versionTrash(ctx.db, input.projectId)),
  /** Hard delete; releases every reference the version held. */
  purge: adminProcedure
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => purgeVersion(ctx.db, input.id)),

  /** Takes a RestorePoint of the current state, then writes the version back into the project. */
  restore: editorProcedure
    .input(z.object({ versionId: id, projectRowVersion: rowVersion.optional() }))
    .mutation(({ ctx, input }) => restoreVersion(ctx.db, ctx.actor, input)),

  /** Structural diff between two versions, or a version and the project's current state. */
  diff: authedProcedure
    .input(z.object({ fromVersionId: id, toVersionId: id.optional() }))
    .query(({ ctx, input }) => {
      const from = getById(ctx.db, projectVersions, input.fromVersionId);
      const to = input.toVersionId
        ? versionContent(ctx.db, getById(ctx.db, projectVersions, input.toVersionId))
        : currentContent(ctx.db, getById(ctx.db, projectStates, from.projectId));
      return diffContent(versionContent(ctx.db, from), to);
    }),

  /** Logical and stored bytes, dedup ratio, and per version the bytes only it holds. */
  stats: authedProcedure
    .input(z.object({ projectId: id.optional() }).optional())
    .query(({ ctx, input }) => storageStats(ctx.db, input?.projectId)),

  collectBlobs: adminProcedure
    .input(
      z.object({
        dryRun: z.boolean().default(true),
        graceMinutes: z.number().min(0).max(10_080).default(60),
      }),
    )
    .mutation(({ ctx, input }) =>
      collectBlobs(ctx.db, { dryRun: input.dryRun, graceMs: input.graceMinutes * 60_000 }),
    ),

  checkReferences: adminProcedure
    .input(z.object({ fix: z.boolean().default(false) }).optional())
    .mutation(({ ctx, input }) => checkReferenceCounts(ctx.db, { fix: input?.fix })),
});
