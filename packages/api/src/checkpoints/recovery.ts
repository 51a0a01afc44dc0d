import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  notDeleted,
  nowIso,
  projectStates,
  renderCheckpoints,
  type Actor,
  type AuraDb,
  type ProjectStatus,
} from '@aura/db';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { readMaintenanceSettings } from '../maintenance/settings';
import { mediaGuard, realLocation, targetProblem, type MediaGuard } from '../media/paths';
import { keyset, type Page } from '../paging';
import { failProject } from '../projects/service';
import type { RecoveryListQuery, RecoveryMarkFailedInput } from './schema';

/**
 * Recovery: projects whose run was interrupted (still InProgress, not updated for a while), each
 * with the checkpoint to resume from and the files it references that are gone from disk.
 */

const INTERRUPTED: ProjectStatus = 'InProgress';

/** The setting Retention.RecoveryStaleMinutes (the worker flags stale projects with it too). */
export function defaultStaleMinutes(db: AuraDb): number {
  return readMaintenanceSettings(db).values['Retention.RecoveryStaleMinutes'];
}

/** The UpdatedAt before which an InProgress project counts as interrupted. */
export function staleCutoff(staleMinutes: number, now: Date = new Date()): string {
  return nowIso(new Date(now.getTime() - staleMinutes * 60_000));
}

/** Most recently updated first, Id as the tie-breaker. */
const recoveryOrder = keyset<{ id: string; updatedAt: string }>('recovery', [
  { column: projectStates.updatedAt, direction: 'desc', of: (row) => row.updatedAt },
  { column: projectStates.id, direction: 'desc', of: (row) => row.id },
]);

/**
 * One statement for the whole page: the interrupted projects (keyset on UpdatedAt desc, Id desc,
 * served by an index on UpdatedAt) with, as correlated JSON subqueries, their scenes' and assets'
 * file paths and their newest valid checkpoint. Exposed for the EXPLAIN QUERY PLAN tests.
 */
export function buildRecoveryQuery(db: AuraDb, query: RecoveryListQuery, cutoff: string) {
  const conditions: SQL[] = [
    eq(projectStates.status, INTERRUPTED),
    notDeleted(projectStates),
    lt(projectStates.updatedAt, cutoff),
  ];
  return db.query.projectStates.findMany({
    columns: {
      id: true,
      title: true,
      status: true,
      currentStage: true,
      progressPercent: true,
      currentWizardStep: true,
      jobId: true,
      updatedAt: true,
      rowVersion: true,
    },
    where: and(...conditions, recoveryOrder.after(query.cursor)),
    orderBy: recoveryOrder.orderBy,
    limit: query.limit + 1,
    with: {
      scenes: { columns: { id: true, audioFilePath: true, imageFilePath: true } },
      assets: { columns: { id: true, filePath: true } },
      checkpoints: {
        where: eq(renderCheckpoints.isValid, true),
        orderBy: [desc(renderCheckpoints.checkpointTime), desc(renderCheckpoints.id)],
        limit: 1,
      },
    },
  });
}

type RecoveryRow = Awaited<ReturnType<ReturnType<typeof buildRecoveryQuery>['sync']>>[number];

/** Where a referenced file path is stored. */
export type FileReferenceKind = 'sceneAudio' | 'sceneImage' | 'asset' | 'checkpointOutput';

export interface MissingFile {
  kind: FileReferenceKind;
  /** The scene, asset or checkpoint row that references the file. */
  ownerId: string;
  path: string;
  /**
   * `missing`: not on disk. `outsideMediaRoots`: the path guard refuses it, so it was not looked
   * at (recovery never tells whether a path outside the media folders exists).
   */
  reason: 'missing' | 'outsideMediaRoots';
}

export type InterruptedProject = Omit<RecoveryRow, 'scenes' | 'assets' | 'checkpoints'> & {
  /** The newest valid checkpoint to resume from; null when there is none. */
  lastValidCheckpoint: RecoveryRow['checkpoints'][number] | null;
  /** Files the project references (scene audio/images, assets, the checkpoint's output) that do not exist. */
  missingFiles: MissingFile[];
  /** Whole minutes since the project was last updated (how long it has been stuck). */
  stuckMinutes: number;
};

type FileReference = Omit<MissingFile, 'reason'>;

function fileReferences(row: RecoveryRow): FileReference[] {
  const refs: FileReference[] = [];
  for (const scene of row.scenes) {
    if (scene.audioFilePath)
      refs.push({ kind: 'sceneAudio', ownerId: scene.id, path: scene.audioFilePath });
    if (scene.imageFilePath)
      refs.push({ kind: 'sceneImage', ownerId: scene.id, path: scene.imageFilePath });
  }
  for (const asset of row.assets)
    refs.push({ kind: 'asset', ownerId: asset.id, path: asset.filePath });
  const checkpoint = row.checkpoints[0];
  if (checkpoint?.outputFilePath) {
    refs.push({
      kind: 'checkpointOutput',
      ownerId: checkpoint.id,
      path: checkpoint.outputFilePath,
    });
  }
  return refs;
}

/** Why a stored path is reported, or null when its file is there. Paths the guard refuses are never looked at. */
function fileProblem(
  guard: MediaGuard,
  stored: string,
  exists: (path: string) => boolean,
): MissingFile['reason'] | null {
  const real = path.isAbsolute(stored) ? realLocation(stored) : null;
  if (!real || targetProblem(guard, real)) return 'outsideMediaRoots';
  return exists(real) ? null : 'missing';
}

/**
 * One page of interrupted projects, most recently updated first. The staleness is the input's,
 * else the setting Retention.RecoveryStaleMinutes. `exists` checks a path on disk (each distinct
 * path once per page), only for paths the path guard accepts.
 */
export function listRecoverableProjects(
  db: AuraDb,
  query: RecoveryListQuery,
  options: { now?: Date; exists?: (path: string) => boolean } = {},
): Page<InterruptedProject> & { staleMinutes: number; cutoff: string } {
  const staleMinutes = query.staleMinutes ?? defaultStaleMinutes(db);
  const cutoff = staleCutoff(staleMinutes, options.now);
  const exists = options.exists ?? existsSync;
  const guard = mediaGuard(db);
  const known = new Map<string, MissingFile['reason'] | null>();
  const problemOf = (stored: string) => {
    let value = known.get(stored);
    if (value === undefined) known.set(stored, (value = fileProblem(guard, stored, exists)));
    return value;
  };
  const nowMs = (options.now ?? new Date()).getTime();
  const rows = buildRecoveryQuery(db, query, cutoff).sync();
  const page = recoveryOrder.page(rows, query.limit);
  return {
    staleMinutes,
    cutoff,
    nextCursor: page.nextCursor,
    items: page.items.map((row) => {
      const { scenes: _scenes, assets: _assets, checkpoints, ...project } = row;
      return {
        ...project,
        lastValidCheckpoint: checkpoints[0] ?? null,
        stuckMinutes: Math.max(0, Math.floor((nowMs - Date.parse(project.updatedAt)) / 60_000)),
        missingFiles: fileReferences(row).flatMap((ref) => {
          const reason = problemOf(ref.path);
          return reason ? [{ ...ref, reason }] : [];
        }),
      };
    }),
  };
}

/**
 * Marks an interrupted project Failed from the recovery page: only a project that is still
 * InProgress (anything else is CONFLICT through the project's transition rule), with the reason
 * given or one that says where it came from. Logged and undoable like projects.fail.
 */
export function markInterruptedFailed(db: AuraDb, actor: Actor, input: RecoveryMarkFailedInput) {
  return failProject(db, actor, {
    id: input.id,
    rowVersion: input.rowVersion,
    errorMessage: input.reason ?? 'Marked failed from recovery: the run was interrupted',
  });
}
