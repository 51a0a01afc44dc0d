import {
  ConflictError,
  InvalidInputError,
  LimitError,
  NotFoundError,
  auditedUpdateWhere,
  getById,
  hardDelete,
  insertAudited,
  newId,
  notDeleted,
  nowIso,
  projectStates,
  sceneStates,
  versionedUpdate,
  type Actor,
  type AuraDb,
  type SceneState,
} from '@aura/db';
import { and, asc, count, eq, getTableColumns, gte, sql } from 'drizzle-orm';
import { undoableWrite, type ActionTracker } from '../actions/recorder';
import { SCENES_PER_PROJECT_MAX } from '../limits';
import { checkOptionalMediaPath, mediaGuard } from '../media/paths';
import type {
  SceneAddInput,
  SceneReorderInput,
  SceneUpdateInput,
  SceneVersionedInput,
} from './schema';

/**
 * Scenes of a project. Invariant: a project's SceneIndex values are exactly 0..n-1. Every mutation
 * that moves indices runs in one IMMEDIATE transaction; (ProjectId, SceneIndex) is not a unique
 * index, so shifting a range in one UPDATE is safe. A row whose index moves gets a new RowVersion.
 */

/** A scene of a live project; a scene of a project in the trash is NOT_FOUND like the project. */
function getLiveScene(tx: AuraDb, id: string): SceneState {
  const scene = tx
    .select(getTableColumns(sceneStates))
    .from(sceneStates)
    .innerJoin(projectStates, eq(projectStates.id, sceneStates.projectId))
    .where(and(eq(sceneStates.id, id), notDeleted(projectStates)))
    .get();
  if (!scene) throw new NotFoundError('SceneStates', id);
  return scene;
}

function sceneCount(tx: AuraDb, projectId: string): number {
  return (
    tx.select({ n: count() }).from(sceneStates).where(eq(sceneStates.projectId, projectId)).get()
      ?.n ?? 0
  );
}

/** The title of a scene's project, for the undo log's descriptions. */
function projectTitle(tx: AuraDb, projectId: string): string {
  return (
    tx
      .select({ title: projectStates.title })
      .from(projectStates)
      .where(eq(projectStates.id, projectId))
      .get()?.title ?? projectId
  );
}

/**
 * Moves every scene of the project at or after `from` by `delta` (+1 or -1); the moved rows are
 * tracked first (their index and RowVersion change, so undo must put them back too).
 */
function shiftScenes(
  tx: AuraDb,
  actor: Actor,
  projectId: string,
  from: number,
  delta: 1 | -1,
  tracker: ActionTracker,
): void {
  const range = and(eq(sceneStates.projectId, projectId), gte(sceneStates.sceneIndex, from));
  tracker.trackWhere('SceneStates', range);
  auditedUpdateWhere(
    tx,
    sceneStates,
    range,
    { sceneIndex: sql`${sceneStates.sceneIndex} + ${delta}` },
    actor,
  );
}

/**
 * Runs a change of one scene (read live first) as one logged action; `describe` gets the scene
 * as it was before and its project's title.
 */
function sceneAction(
  db: AuraDb,
  actor: Actor,
  id: string,
  type: string,
  describe: (scene: SceneState, title: string) => string,
  change: (tx: AuraDb, scene: SceneState, tracker: ActionTracker) => SceneState,
): SceneState {
  // Described from the scene as it was before the change, read inside the transaction.
  let description = '';
  return undoableWrite(
    db,
    actor,
    () => ({ type, description }),
    (tx, tracker) => {
      const scene = getLiveScene(tx, id);
      description = describe(scene, projectTitle(tx, scene.projectId));
      tracker.track('SceneStates', [id]);
      return change(tx, scene, tracker);
    },
  );
}

/** A scene's file paths through the path guard (BAD_REQUEST naming the field), real locations. */
function checkScenePaths(
  db: AuraDb,
  input: Pick<SceneAddInput, 'audioFilePath' | 'imageFilePath'>,
) {
  // The guard reads the configuration and resolves folders on disk: only when a path is given.
  if (typeof input.audioFilePath !== 'string' && typeof input.imageFilePath !== 'string') {
    return { audioFilePath: input.audioFilePath, imageFilePath: input.imageFilePath };
  }
  const guard = mediaGuard(db);
  return {
    audioFilePath: checkOptionalMediaPath(guard, 'audioFilePath', input.audioFilePath),
    imageFilePath: checkOptionalMediaPath(guard, 'imageFilePath', input.imageFilePath),
  };
}

/** A project may hold SCENES_PER_PROJECT_MAX scenes (what `scenes.reorder` can list), no more. */
export function checkSceneCount(count: number): void {
  if (count > SCENES_PER_PROJECT_MAX)
    throw new LimitError(
      `A project holds at most ${SCENES_PER_PROJECT_MAX} scenes (SCENES_PER_PROJECT_MAX); this would make ${count}`,
    );
}

/** Appends a scene, or inserts it at `index` (0..n) and shifts the following ones. */
export function addScene(db: AuraDb, actor: Actor, input: SceneAddInput): SceneState {
  const id = newId();
  let description = '';
  return undoableWrite(
    db,
    actor,
    () => ({ type: 'scenes.add', description }),
    (tx, tracker) => {
      const paths = checkScenePaths(tx, input);
      const project = getById(tx, projectStates, input.projectId);
      const n = sceneCount(tx, input.projectId);
      checkSceneCount(n + 1);
      const index = input.index ?? n;
      if (index > n) {
        throw new InvalidInputError(
          null,
          `index must be between 0 and ${n} (the project has ${n} scene${n === 1 ? '' : 's'})`,
        );
      }
      description =
        index === n
          ? `Added scene ${index + 1} to "${project.title}"`
          : `Inserted a scene at position ${index + 1} of "${project.title}"`;
      tracker.track('SceneStates', [id]);
      if (index < n) shiftScenes(tx, actor, input.projectId, index, 1, tracker);
      return insertAudited(
        tx,
        sceneStates,
        {
          id,
          projectId: input.projectId,
          sceneIndex: index,
          scriptText: input.scriptText,
          durationSeconds: input.durationSeconds ?? 0,
          audioFilePath: paths.audioFilePath ?? null,
          imageFilePath: paths.imageFilePath ?? null,
        },
        actor,
      );
    },
  );
}

/** Script, duration and file paths; only the fields present change. Stale RowVersion: CONFLICT. */
export function updateScene(db: AuraDb, actor: Actor, input: SceneUpdateInput): SceneState {
  const patch: Partial<typeof sceneStates.$inferInsert> = {};
  if (input.scriptText !== undefined) patch.scriptText = input.scriptText;
  if (input.durationSeconds !== undefined) patch.durationSeconds = input.durationSeconds;
  const paths = checkScenePaths(db, input);
  if (paths.audioFilePath !== undefined) patch.audioFilePath = paths.audioFilePath;
  if (paths.imageFilePath !== undefined) patch.imageFilePath = paths.imageFilePath;
  return sceneAction(
    db,
    actor,
    input.id,
    'scenes.update',
    (scene, title) => `Edited scene ${scene.sceneIndex + 1} of "${title}"`,
    (tx) =>
      versionedUpdate(
        tx,
        sceneStates,
        { id: input.id, rowVersion: input.rowVersion },
        patch,
        actor,
      ),
  );
}

/** Marks a scene completed. */
export function completeScene(db: AuraDb, actor: Actor, input: SceneVersionedInput): SceneState {
  return sceneAction(
    db,
    actor,
    input.id,
    'scenes.complete',
    (scene, title) => `Marked scene ${scene.sceneIndex + 1} of "${title}" as completed`,
    (tx) =>
      versionedUpdate(
        tx,
        sceneStates,
        { id: input.id, rowVersion: input.rowVersion },
        { isCompleted: true },
        actor,
      ),
  );
}

/** Deletes a scene and closes the gap: the following scenes move up by one. */
export function deleteScene(db: AuraDb, actor: Actor, input: SceneVersionedInput): SceneState {
  return sceneAction(
    db,
    actor,
    input.id,
    'scenes.delete',
    (scene, title) => `Deleted scene ${scene.sceneIndex + 1} of "${title}"`,
    (tx, scene, tracker) => {
      if (scene.rowVersion !== input.rowVersion) {
        throw new ConflictError('SceneStates', input.id, input.rowVersion, scene.rowVersion);
      }
      const removed = hardDelete(tx, sceneStates, input.id);
      shiftScenes(tx, actor, scene.projectId, scene.sceneIndex + 1, -1, tracker);
      return removed;
    },
  );
}

/** The scenes of a project by SceneIndex (served by IX_SceneStates_ProjectId_SceneIndex). */
export function listProjectScenes(db: AuraDb, projectId: string): SceneState[] {
  return db
    .select()
    .from(sceneStates)
    .where(eq(sceneStates.projectId, projectId))
    .orderBy(asc(sceneStates.sceneIndex))
    .all();
}

/**
 * "Moved scene 3 to position 1" when the new order moves one scene (the others keep their
 * relative order), else "Reordered the scenes of …".
 */
function describeReorder(before: string[], after: string[], title: string): string {
  for (const [from, id] of before.entries()) {
    const to = after.indexOf(id);
    if (to === from) continue;
    const rest = (list: string[]) => list.filter((other) => other !== id).join(',');
    if (rest(before) === rest(after))
      return `Moved scene ${from + 1} of "${title}" to position ${to + 1}`;
  }
  return `Reordered the scenes of "${title}"`;
}

/**
 * Puts the project's scenes in the given order (indices become 0..n-1). The list must name every
 * scene of the project exactly once, else BAD_REQUEST; each with the RowVersion the client read,
 * else CONFLICT (someone moved or edited it since). Either way nothing changes. Returns the scenes
 * in their new order (with their new RowVersions).
 */
export function reorderScenes(db: AuraDb, actor: Actor, input: SceneReorderInput): SceneState[] {
  const sceneIds = input.scenes.map((scene) => scene.id);
  let description = '';
  return undoableWrite(
    db,
    actor,
    () => ({ type: 'scenes.reorder', description }),
    (tx, tracker) => {
      const project = getById(tx, projectStates, input.projectId);
      const current = listProjectScenes(tx, input.projectId);
      const known = new Set(current.map((scene) => scene.id));
      const seen = new Set<string>();
      const duplicated = new Set<string>();
      for (const id of sceneIds) (seen.has(id) ? duplicated : seen).add(id);
      const unknown = sceneIds.filter((id) => !known.has(id));
      const missing = current.filter((scene) => !seen.has(scene.id)).map((scene) => scene.id);
      if (duplicated.size || unknown.length || missing.length) {
        const problems = [
          missing.length ? `missing ${missing.join(', ')}` : '',
          unknown.length ? `not scenes of this project: ${unknown.join(', ')}` : '',
          duplicated.size ? `listed twice: ${[...duplicated].join(', ')}` : '',
        ].filter(Boolean);
        throw new InvalidInputError(
          null,
          `scenes must list each of the project's ${current.length} scenes exactly once (${problems.join('; ')})`,
        );
      }
      const versionOf = new Map(current.map((scene) => [scene.id, scene.rowVersion]));
      for (const scene of input.scenes) {
        const actual = versionOf.get(scene.id);
        if (actual !== undefined && actual !== scene.rowVersion)
          throw new ConflictError('SceneStates', scene.id, scene.rowVersion, actual);
      }
      const indexOf = new Map(current.map((scene) => [scene.id, scene.sceneIndex]));
      description = describeReorder(
        current.map((scene) => scene.id),
        sceneIds,
        project.title,
      );
      // One timestamp for every moved scene: they move as one change.
      const now = nowIso();
      sceneIds.forEach((id, index) => {
        if (indexOf.get(id) === index) return;
        tracker.track('SceneStates', [id]);
        auditedUpdateWhere(
          tx,
          sceneStates,
          eq(sceneStates.id, id),
          { sceneIndex: index },
          actor,
          now,
        );
      });
      return listProjectScenes(tx, input.projectId);
    },
  );
}

/** Whether the project's scene indices are exactly 0..n-1 (for checks and tests). */
export function sceneIndicesAreDense(db: AuraDb, projectId: string): boolean {
  return listProjectScenes(db, projectId).every((scene, i) => scene.sceneIndex === i);
}
