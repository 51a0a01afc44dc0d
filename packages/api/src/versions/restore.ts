import {
  ConflictError,
  StateError,
  auditedUpdateWhere,
  getById,
  nowIso,
  projectStates,
  projectVersions,
  sceneStates,
  stampInsert,
  stampRowImage,
  versionedUpdate,
  type AuraDb,
  type Actor,
  type ProjectState,
} from '@aura/db';
import { and, eq, notInArray } from 'drizzle-orm';
import { undoableWrite } from '../actions/recorder';
import { highestLoggedRowVersions } from '../actions/highest-version';
import { checkSceneCount } from '../scenes/service';
import { createVersionInTransaction, versionView, type VersionRow } from './history';
import { versionContent, type VersionContent } from './snapshot';

export interface RestoreResult {
  project: ProjectState;
  /** The version of the state before the restore. */
  restorePoint: VersionRow;
  restoredFrom: VersionRow;
}

/**
 * Writes a version's content back into its project: first a RestorePoint of the current state,
 * then the specs and the scenes (same ids, order and fields), all in one transaction; the
 * project's RowVersion is bumped. `projectRowVersion`, when given, must be current.
 */
export function restoreVersion(
  db: AuraDb,
  actor: Actor,
  input: { versionId: string; projectRowVersion?: number },
  now: Date = new Date(),
): RestoreResult {
  return undoableWrite(
    db,
    actor,
    ({ project, restoredFrom }: RestoreResult) => ({
      type: 'versions.restoreContent',
      description: `Restored project "${project.title}" to version ${restoredFrom.versionNumber}`,
    }),
    (tx, tracker) => {
      const version = getById(tx, projectVersions, input.versionId);
      const project = getById(tx, projectStates, version.projectId);
      if (input.projectRowVersion !== undefined && input.projectRowVersion !== project.rowVersion) {
        throw new ConflictError(
          'ProjectStates',
          project.id,
          input.projectRowVersion,
          project.rowVersion,
        );
      }
      const content = versionContent(tx, version);
      // The restore point is history, not an edit: taken before any row is tracked, it stays
      // when the restore itself is undone.
      const restorePoint = createVersionInTransaction(
        tx,
        actor,
        {
          projectId: project.id,
          versionType: 'RestorePoint',
          trigger: `Before restoring version ${version.versionNumber}`,
        },
        { now },
      ).version;
      tracker.track('ProjectStates', [project.id]);
      tracker.trackWhere('SceneStates', eq(sceneStates.projectId, project.id));
      tracker.track(
        'SceneStates',
        content.scenes.map((s) => s.id),
      );
      const latest = getById(tx, projectStates, project.id);
      const restored = writeContent(tx, actor, project.id, latest.rowVersion, content);
      return { project: restored, restorePoint, restoredFrom: versionView(version) };
    },
  );
}

/**
 * Replaces a project's specs and scenes with `content` (inside the caller's transaction). A scene
 * that no longer exists comes back under its id one version past the highest its id ever had in
 * the undo log: RowVersion never rewinds, so neither a client's stale read nor an undo of the
 * scene's earlier life can match the restored row.
 */
export function writeContent(
  tx: AuraDb,
  actor: Actor,
  projectId: string,
  projectRowVersion: number,
  content: VersionContent,
) {
  checkSceneCount(content.scenes.length);
  const text = (value: VersionContent['brief']) => (value === null ? null : JSON.stringify(value));
  const project = versionedUpdate(
    tx,
    projectStates,
    { id: projectId, rowVersion: projectRowVersion },
    {
      briefJson: text(content.brief),
      planSpecJson: text(content.plan),
      voiceSpecJson: text(content.voice),
      renderSpecJson: text(content.render),
    },
    actor,
  );
  const keep = content.scenes.map((s) => s.id);
  tx.delete(sceneStates)
    .where(
      and(
        eq(sceneStates.projectId, projectId),
        keep.length > 0 ? notInArray(sceneStates.id, keep) : undefined,
      ),
    )
    .run();
  const at = nowIso();
  const existingIds = new Set(
    tx
      .select({ id: sceneStates.id })
      .from(sceneStates)
      .where(eq(sceneStates.projectId, projectId))
      .all()
      .map((row) => row.id),
  );
  const highest = highestLoggedRowVersions(
    tx,
    'SceneStates',
    keep.filter((id) => !existingIds.has(id)),
  );
  content.scenes.forEach((scene, sceneIndex) => {
    const fields = {
      sceneIndex,
      scriptText: scene.scriptText,
      durationSeconds: scene.durationSeconds,
      audioFilePath: scene.audioFilePath,
      imageFilePath: scene.imageFilePath,
      isCompleted: scene.isCompleted,
    };
    const existing = tx
      .select({ projectId: sceneStates.projectId })
      .from(sceneStates)
      .where(eq(sceneStates.id, scene.id))
      .get();
    if (existing && existing.projectId !== projectId) {
      throw new StateError(`Scene ${scene.id} now belongs to another project`);
    }
    if (existing) {
      auditedUpdateWhere(tx, sceneStates, eq(sceneStates.id, scene.id), fields, actor, at);
    } else {
      // A new row under an old id: its first version is past any the id ever had.
      const row = stampInsert(sceneStates, { id: scene.id, projectId, ...fields }, actor, at);
      tx.insert(sceneStates)
        .values(stampRowImage(sceneStates, row, (highest.get(scene.id) ?? 0) + 1, actor, at))
        .run();
    }
  });
  return project;
}
