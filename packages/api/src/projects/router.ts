import { adminProcedure, authedProcedure, editorProcedure, router } from '../trpc';
import {
  projectActivityInput,
  projectCreateInput,
  projectFailInput,
  projectJobInput,
  projectKeyInput,
  projectListInput,
  projectStageInput,
  projectTrashInput,
  projectUpdateInput,
  projectVersionedInput,
  projectWizardStepInput,
} from './schema';
import {
  cancelProject,
  completeProject,
  createProject,
  duplicateProject,
  failProject,
  getProject,
  hardDeleteProject,
  listProjectTrash,
  listProjects,
  projectsByJob,
  restoreProject,
  setProjectStage,
  setProjectWizardStep,
  softDeleteProject,
  updateProject,
} from './service';
import { projectActivity, projectAudit, projectMissingFiles } from './workspace';

export const projectsRouter = router({
  /** Live projects, one page at a time: `{ items, nextCursor }`. */
  list: authedProcedure
    .input(projectListInput)
    .query(({ ctx, input }) => listProjects(ctx.db, input, ctx.actor)),

  /** A live project with its scenes, assets and checkpoints, in one SQL statement. */
  get: authedProcedure
    .input(projectKeyInput)
    .query(({ ctx, input }) => getProject(ctx.db, input.id)),

  /** One project's action log (every user's), newest first: `{ items, nextCursor }`. */
  activity: authedProcedure
    .input(projectActivityInput)
    .query(({ ctx, input }) => projectActivity(ctx.db, ctx.actor, input)),

  /** Who created a live project and who changed it last (names, not addresses), with its RowVersion. */
  audit: authedProcedure
    .input(projectKeyInput)
    .query(({ ctx, input }) => projectAudit(ctx.db, input.id)),

  /** The files a live project references that are missing from disk (or outside the media folders). */
  missingFiles: authedProcedure
    .input(projectKeyInput)
    .query(({ ctx, input }) => projectMissingFiles(ctx.db, input.id)),

  /** The live projects tied to a render job (ProjectStates.JobId), newest first; [] if none. */
  byJobId: authedProcedure
    .input(projectJobInput)
    .query(({ ctx, input }) => projectsByJob(ctx.db, input)),

  create: editorProcedure
    .input(projectCreateInput)
    .mutation(({ ctx, input }) => createProject(ctx.db, ctx.actor, input)),

  /** Title, description, specs; needs the RowVersion the caller read. */
  update: editorProcedure
    .input(projectUpdateInput)
    .mutation(({ ctx, input }) => updateProject(ctx.db, ctx.actor, input)),

  setWizardStep: editorProcedure
    .input(projectWizardStepInput)
    .mutation(({ ctx, input }) => setProjectWizardStep(ctx.db, ctx.actor, input)),

  /** Stage and progress, only while InProgress. */
  setStage: editorProcedure
    .input(projectStageInput)
    .mutation(({ ctx, input }) => setProjectStage(ctx.db, ctx.actor, input)),

  /** InProgress → Completed. */
  complete: editorProcedure
    .input(projectVersionedInput)
    .mutation(({ ctx, input }) => completeProject(ctx.db, ctx.actor, input)),

  /** InProgress → Failed, with the error. */
  fail: editorProcedure
    .input(projectFailInput)
    .mutation(({ ctx, input }) => failProject(ctx.db, ctx.actor, input)),

  /** InProgress → Cancelled. */
  cancel: editorProcedure
    .input(projectVersionedInput)
    .mutation(({ ctx, input }) => cancelProject(ctx.db, ctx.actor, input)),

  softDelete: editorProcedure
    .input(projectVersionedInput)
    .mutation(({ ctx, input }) => softDeleteProject(ctx.db, ctx.actor, input)),

  restore: editorProcedure
    .input(projectVersionedInput)
    .mutation(({ ctx, input }) => restoreProject(ctx.db, ctx.actor, input)),

  /** Soft-deleted projects, most recently deleted first. */
  trash: authedProcedure
    .input(projectTrashInput)
    .query(({ ctx, input }) => listProjectTrash(ctx.db, input)),

  /** Removes a project and its children for good. Admin only. */
  hardDelete: adminProcedure
    .input(projectKeyInput)
    .mutation(({ ctx, input }) => hardDeleteProject(ctx.db, input.id)),

  /** A new InProgress copy "<title> (copy)" with the scenes and asset rows. */
  duplicate: editorProcedure
    .input(projectKeyInput)
    .mutation(({ ctx, input }) => duplicateProject(ctx.db, ctx.actor, input.id)),
});
