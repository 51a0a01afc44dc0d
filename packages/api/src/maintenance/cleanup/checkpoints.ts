import { projectStates, renderCheckpoints, type AuraDb } from '@aura/db';
import { and, eq, inArray } from 'drizzle-orm';
import { cleanupGuard, emptyFileCounts, type FileCounts } from '../files';
import {
  batchSizeOf,
  deleteRowsWithFiles,
  excluding,
  inBatches,
  lockFigures,
  meterWrites,
  type FileCleanupOptions,
  type WriteLockStats,
} from './shared';

export interface CheckpointCleanup extends FileCounts, WriteLockStats {
  /** Checkpoints of Completed projects deleted (their files kept). */
  completedProjectCheckpoints: number;
  /** Invalid checkpoints deleted (their unreferenced files removed). */
  invalidCheckpoints: number;
  problems: string[];
}

/** Checkpoints of Completed projects. Exposed for EXPLAIN tests. */
export function buildCompletedProjectCheckpointsQuery(db: AuraDb, limit: number) {
  return db
    .select({ id: renderCheckpoints.id })
    .from(renderCheckpoints)
    .innerJoin(projectStates, eq(projectStates.id, renderCheckpoints.projectId))
    .where(eq(projectStates.status, 'Completed'))
    .limit(limit);
}

/** Invalid checkpoints (IsValid = 0). Exposed for EXPLAIN tests. */
export function buildInvalidCheckpointsQuery(db: AuraDb, limit: number, skip: Set<string>) {
  return db
    .select({ id: renderCheckpoints.id, outputFilePath: renderCheckpoints.outputFilePath })
    .from(renderCheckpoints)
    .where(and(eq(renderCheckpoints.isValid, false), excluding(renderCheckpoints.id, skip)))
    .limit(limit);
}

/**
 * Render checkpoints nobody will resume from. Invalid ones (IsValid = 0) are deleted with their
 * OutputFilePath file, when it exists, lies inside the media roots and no other row (asset, scene,
 * checkpoint, export) references it: an invalidated checkpoint's output is a broken intermediate.
 * Checkpoints of Completed projects are deleted too, but their files are kept: the last one's
 * output may well be the finished video, which is the user's, not a temporary file.
 */
export function cleanupCheckpoints(
  db: AuraDb,
  options: FileCleanupOptions = {},
): CheckpointCleanup {
  const limit = batchSizeOf(options);
  const guard = cleanupGuard(db, options.roots);
  const { db: metered, stats } = meterWrites(db);
  const result = {
    completedProjectCheckpoints: 0,
    invalidCheckpoints: 0,
    ...emptyFileCounts(),
    problems: [] as string[],
  };
  result.invalidCheckpoints = deleteRowsWithFiles(
    metered,
    limit,
    guard,
    {
      select: (tx, size, skip) => buildInvalidCheckpointsQuery(tx, size, skip).all(),
      pathOf: (row) => row.outputFilePath,
      exclude: (ids) => ({ checkpointIds: ids }),
      deleteRows: (tx, ids) =>
        tx
          .delete(renderCheckpoints)
          .where(and(inArray(renderCheckpoints.id, ids), eq(renderCheckpoints.isValid, false)))
          .run().changes,
    },
    result,
    result.problems,
  );
  result.completedProjectCheckpoints = inBatches(metered, limit, (tx, size) => {
    const ids = buildCompletedProjectCheckpointsQuery(tx, size)
      .all()
      .map((r) => r.id);
    if (ids.length > 0)
      tx.delete(renderCheckpoints).where(inArray(renderCheckpoints.id, ids)).run();
    return ids.length;
  });
  return { ...result, ...lockFigures(stats) };
}
