import {
  NotFoundError,
  getById,
  insertAudited,
  notDeleted,
  nowIso,
  projectStates,
  renderCheckpoints,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type RenderCheckpoint,
} from '@aura/db';
import { and, eq, getTableColumns, type SQL } from 'drizzle-orm';
import { checkOptionalMediaPath, mediaGuard } from '../media/paths';
import { keyset, type Page } from '../paging';
import type {
  CheckpointCreateInput,
  CheckpointLatestQuery,
  CheckpointListQuery,
  CheckpointVersionedInput,
} from './schema';

/**
 * Records a checkpoint of a live project, valid, stamped now. An output path must pass the path
 * guard (BAD_REQUEST on outputFilePath) and is stored as its real location.
 */
export function createCheckpoint(
  db: AuraDb,
  actor: Actor,
  input: CheckpointCreateInput,
): RenderCheckpoint {
  return writeTransaction(db, (tx) => {
    const outputFilePath = checkOptionalMediaPath(
      mediaGuard(tx),
      'outputFilePath',
      input.outputFilePath,
    );
    getById(tx, projectStates, input.projectId);
    return insertAudited(
      tx,
      renderCheckpoints,
      {
        projectId: input.projectId,
        stageName: input.stageName,
        checkpointTime: nowIso(),
        completedScenes: input.completedScenes,
        totalScenes: input.totalScenes,
        checkpointData:
          input.checkpointData === undefined || input.checkpointData === null
            ? null
            : JSON.stringify(input.checkpointData),
        outputFilePath: outputFilePath ?? null,
        isValid: true,
      },
      actor,
    );
  });
}

/** Newest first: CheckpointTime descending, Id descending. */
const newestFirst = keyset<RenderCheckpoint>('checkpoints', [
  { column: renderCheckpoints.checkpointTime, direction: 'desc', of: (row) => row.checkpointTime },
  { column: renderCheckpoints.id, direction: 'desc', of: (row) => row.id },
]);

/** The list query (limit + 1 rows). Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildCheckpointListQuery(db: AuraDb, query: CheckpointListQuery) {
  return db
    .select()
    .from(renderCheckpoints)
    .where(and(eq(renderCheckpoints.projectId, query.projectId), newestFirst.after(query.cursor)))
    .orderBy(...newestFirst.orderBy)
    .limit(query.limit + 1);
}

/** One page of a live project's checkpoints, newest first. */
export function listCheckpoints(db: AuraDb, query: CheckpointListQuery): Page<RenderCheckpoint> {
  getById(db, projectStates, query.projectId);
  const rows = buildCheckpointListQuery(db, query).all();
  return newestFirst.page(rows, query.limit);
}

/** The newest valid checkpoint query. Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildLatestValidCheckpointQuery(db: AuraDb, query: CheckpointLatestQuery) {
  const conditions: SQL[] = [
    eq(renderCheckpoints.projectId, query.projectId),
    eq(renderCheckpoints.isValid, true),
  ];
  if (query.stageName) conditions.push(eq(renderCheckpoints.stageName, query.stageName));
  return db
    .select()
    .from(renderCheckpoints)
    .where(and(...conditions))
    .orderBy(...newestFirst.orderBy)
    .limit(1);
}

/** The newest valid checkpoint of a live project (optionally of one stage), or null. */
export function latestValidCheckpoint(
  db: AuraDb,
  query: CheckpointLatestQuery,
): RenderCheckpoint | null {
  getById(db, projectStates, query.projectId);
  return buildLatestValidCheckpointQuery(db, query).get() ?? null;
}

/** A checkpoint of a live project; one of a project in the trash is NOT_FOUND like the project. */
function getLiveCheckpoint(tx: AuraDb, id: string): RenderCheckpoint {
  const checkpoint = tx
    .select(getTableColumns(renderCheckpoints))
    .from(renderCheckpoints)
    .innerJoin(projectStates, eq(projectStates.id, renderCheckpoints.projectId))
    .where(and(eq(renderCheckpoints.id, id), notDeleted(projectStates)))
    .get();
  if (!checkpoint) throw new NotFoundError('RenderCheckpoints', id);
  return checkpoint;
}

/** Marks a checkpoint unusable for recovery (IsValid false). Stale RowVersion: CONFLICT. */
export function invalidateCheckpoint(
  db: AuraDb,
  actor: Actor,
  input: CheckpointVersionedInput,
): RenderCheckpoint {
  return writeTransaction(db, (tx) => {
    getLiveCheckpoint(tx, input.id);
    return versionedUpdate(
      tx,
      renderCheckpoints,
      { id: input.id, rowVersion: input.rowVersion },
      { isValid: false },
      actor,
    );
  });
}
