import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  NotFoundError,
  actionLogs,
  findAnyById,
  getById,
  projectStates,
  users,
  type Actor,
  type AuraDb,
} from '@aura/db';
import { and, eq } from 'drizzle-orm';
import { buildProjectGetQueries } from './service';
import type { MissingFile } from '../checkpoints/recovery';
import { mediaGuard, realLocation, targetProblem, type MediaGuard } from '../media/paths';
import { keyset, type Page } from '../paging';
import type { ProjectActivityQuery } from './schema';

/**
 * What the project page shows beside the project row: its activity (the undo log's entries for
 * the project), who created and last changed it (for a conflict message), and which referenced
 * files are gone from disk.
 */

/** Newest first, Id as the tie-breaker (IX_ActionLogs_ProjectId_Timestamp_Id). */
const activityOrder = keyset<{ id: string; timestamp: string }>('projects:activity', [
  { column: actionLogs.timestamp, direction: 'desc', of: (row) => row.timestamp },
  { column: actionLogs.id, direction: 'desc', of: (row) => row.id },
]);

/** The activity query (limit + 1 rows). Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildProjectActivityQuery(db: AuraDb, query: ProjectActivityQuery) {
  return db
    .select({
      id: actionLogs.id,
      userId: actionLogs.userId,
      // Display names only: a viewer may read the activity, not other users' addresses.
      userName: users.displayName,
      actionType: actionLogs.actionType,
      description: actionLogs.description,
      timestamp: actionLogs.timestamp,
      status: actionLogs.status,
      undoneAt: actionLogs.undoneAt,
      errorMessage: actionLogs.errorMessage,
    })
    .from(actionLogs)
    .leftJoin(users, eq(users.id, actionLogs.userId))
    .where(and(eq(actionLogs.projectId, query.projectId), activityOrder.after(query.cursor)))
    .orderBy(...activityOrder.orderBy)
    .limit(query.limit + 1);
}

export type ProjectActivityItem = Awaited<
  ReturnType<ReturnType<typeof buildProjectActivityQuery>['all']>
>[number] & { mine: boolean };

/**
 * One page of a project's action log, newest first, every user's actions (a project in the trash
 * included; one that never existed or was purged is NOT_FOUND). `mine` marks the caller's own
 * steps, the ones their undo and redo apply to.
 */
export function projectActivity(
  db: AuraDb,
  viewer: Actor,
  query: ProjectActivityQuery,
): Page<ProjectActivityItem> {
  if (!findAnyById(db, projectStates, query.projectId))
    throw new NotFoundError('ProjectStates', query.projectId);
  const page = activityOrder.page(buildProjectActivityQuery(db, query).all(), query.limit);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((item) => ({ ...item, mine: viewer !== null && item.userId === viewer })),
  };
}

export interface ProjectPerson {
  id: string;
  displayName: string;
}

/** Who created a live project and who changed it last, with its RowVersion and UpdatedAt. */
export function projectAudit(db: AuraDb, id: string) {
  const project = getById(db, projectStates, id);
  const person = (userId: string | null): ProjectPerson | null => {
    if (!userId) return null;
    const user = db
      .select({ id: users.id, displayName: users.displayName })
      .from(users)
      .where(eq(users.id, userId))
      .get();
    return user ?? { id: userId, displayName: 'a deleted user' };
  };
  return {
    id: project.id,
    rowVersion: project.rowVersion,
    createdAt: project.createdAt,
    updatedAt: project.updatedAt,
    creator: person(project.createdBy),
    lastEditor: person(project.modifiedBy),
  };
}

/** As recovery reports a file: a path the guard refuses is never looked at on disk. */
function fileProblem(
  guard: MediaGuard,
  stored: string,
  exists: (path: string) => boolean,
): MissingFile['reason'] | null {
  const real = path.isAbsolute(stored) ? realLocation(stored) : null;
  if (!real || targetProblem(guard, real)) return 'outsideMediaRoots';
  return exists(real) ? null : 'missing';
}

/** At most this many file references are looked at per project (each is one stat). */
export const PROJECT_FILES_MAX = 2000;

/**
 * The files a live project's scenes, assets and checkpoints reference that are not on disk, or
 * that lie outside the media folders (never looked at: whether such a path exists is not told).
 * `checked` says how many references were looked at; `truncated` when there were more.
 */
export function projectMissingFiles(
  db: AuraDb,
  id: string,
  exists: (path: string) => boolean = existsSync,
): { missing: MissingFile[]; checked: number; truncated: boolean } {
  const queries = buildProjectGetQueries(db, id);
  const refs: Omit<MissingFile, 'reason'>[] = [];
  const read = db.$client.transaction(() => {
    if (!queries.project.get()) throw new NotFoundError('ProjectStates', id);
    for (const scene of queries.scenes.all()) {
      if (scene.audioFilePath)
        refs.push({ kind: 'sceneAudio', ownerId: scene.id, path: scene.audioFilePath });
      if (scene.imageFilePath)
        refs.push({ kind: 'sceneImage', ownerId: scene.id, path: scene.imageFilePath });
    }
    for (const asset of queries.assets.all())
      refs.push({ kind: 'asset', ownerId: asset.id, path: asset.filePath });
    for (const checkpoint of queries.checkpoints.all())
      if (checkpoint.outputFilePath)
        refs.push({
          kind: 'checkpointOutput',
          ownerId: checkpoint.id,
          path: checkpoint.outputFilePath,
        });
  });
  read();
  const guard = mediaGuard(db);
  const known = new Map<string, MissingFile['reason'] | null>();
  const checkedRefs = refs.slice(0, PROJECT_FILES_MAX);
  const missing = checkedRefs.flatMap((ref) => {
    let reason = known.get(ref.path);
    if (reason === undefined) known.set(ref.path, (reason = fileProblem(guard, ref.path, exists)));
    return reason ? [{ ...ref, reason }] : [];
  });
  return { missing, checked: checkedRefs.length, truncated: refs.length > PROJECT_FILES_MAX };
}
