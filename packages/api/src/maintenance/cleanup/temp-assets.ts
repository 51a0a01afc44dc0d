import { assetStates, type AuraDb } from '@aura/db';
import { and, eq, inArray, lt } from 'drizzle-orm';
import { cleanupGuard, emptyFileCounts, type FileCounts } from '../files';
import { HOUR_MS } from '../settings';
import {
  batchSizeOf,
  cutoffIso,
  deleteRowsWithFiles,
  excluding,
  settingsOf,
  lockFigures,
  meterWrites,
  type FileCleanupOptions,
  type WriteLockStats,
} from './shared';

export interface TemporaryAssetCleanup extends FileCounts, WriteLockStats {
  cutoff: string;
  /** AssetStates rows deleted. */
  deleted: number;
  /** Problems with files (kept files, errors), at most 20. */
  problems: string[];
}

/** The batch query of temporary assets created before `cutoff`. Exposed for EXPLAIN tests. */
export function buildTemporaryAssetQuery(
  db: AuraDb,
  cutoff: string,
  limit: number,
  skip = new Set<string>(),
) {
  return db
    .select({ id: assetStates.id, filePath: assetStates.filePath })
    .from(assetStates)
    .where(
      and(
        eq(assetStates.isTemporary, true),
        lt(assetStates.createdAt, cutoff),
        excluding(assetStates.id, skip),
      ),
    )
    .limit(limit);
}

/**
 * Temporary assets older than Retention.TemporaryAssetHours (by CreatedAt): the file is deleted
 * (when no other row references it and it lies inside the media roots) and the AssetStates row
 * removed. A file the file system refuses to delete keeps its row, so the next run retries.
 */
export function cleanupTemporaryAssets(
  db: AuraDb,
  options: FileCleanupOptions = {},
): TemporaryAssetCleanup {
  const now = options.now ?? new Date();
  const hours = settingsOf(db, options)['Retention.TemporaryAssetHours'];
  const cutoff = cutoffIso(now, hours * HOUR_MS);
  const limit = batchSizeOf(options);
  const guard = cleanupGuard(db, options.roots);
  const { db: metered, stats } = meterWrites(db);
  const result = { cutoff, deleted: 0, ...emptyFileCounts(), problems: [] as string[] };
  result.deleted = deleteRowsWithFiles(
    metered,
    limit,
    guard,
    {
      select: (tx, size, skip) => buildTemporaryAssetQuery(tx, cutoff, size, skip).all(),
      pathOf: (row) => row.filePath,
      exclude: (ids) => ({ assetIds: ids }),
      deleteRows: (tx, ids) =>
        tx
          .delete(assetStates)
          .where(and(inArray(assetStates.id, ids), eq(assetStates.isTemporary, true)))
          .run().changes,
    },
    result,
    result.problems,
  );
  return { ...result, ...lockFigures(stats) };
}
