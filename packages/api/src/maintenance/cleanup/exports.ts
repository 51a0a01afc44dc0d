import { lstatSync, readdirSync, realpathSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { exportHistory, type AuraDb, type ExportStatus } from '@aura/db';
import { and, inArray, lt } from 'drizzle-orm';
import { exportTempFilePrefix } from '../../exports/jobs';
import { ACTIVE_EXPORT_STATUSES, outputDirectory } from '../../exports/service';
import { targetProblem } from '../../media/paths';
import { cleanupGuard, report } from '../files';
import { DAY_MS, MINUTE_MS } from '../settings';
import {
  batchSizeOf,
  cutoffIso,
  inBatches,
  lockFigures,
  meterWrites,
  settingsOf,
  type FileCleanupOptions,
  type WriteLockStats,
} from './shared';

/** A part file not modified for this long, and owned by no queued or running export, is left over. */
export const PART_FILE_GRACE_MS = 15 * MINUTE_MS;
/** How deep the output directory is searched for leftover part files. */
const PART_FILE_MAX_DEPTH = 8;

const FINISHED_EXPORTS: ExportStatus[] = ['Completed', 'Failed', 'Cancelled'];
/**
 * A temporary file of an export: `.<name>.part-<export id>-<attempt><ext>` (exports/jobs.ts), in the
 * folder of its OutputFile, renamed to OutputFile on success. Only names carrying an export id (a
 * UUID) match, so a user's own hidden `.x.part-2` file is never taken for one.
 */
const PART_FILE = /^\..+\.part-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d+/i;

export interface ExportHistoryCleanup extends WriteLockStats {
  cutoff: string;
  /** Finished exports (Completed, Failed, Cancelled) removed from the history; output files kept. */
  deleted: number;
  /** Leftover `.<name>.part-*` files deleted. */
  partFilesDeleted: number;
  problems: string[];
}

/** Finished exports created before `cutoff`. Exposed for EXPLAIN tests. */
export function buildOldExportsQuery(db: AuraDb, cutoff: string, limit: number) {
  return db
    .select({ id: exportHistory.id, outputFile: exportHistory.outputFile })
    .from(exportHistory)
    .where(
      and(inArray(exportHistory.status, FINISHED_EXPORTS), lt(exportHistory.createdAt, cutoff)),
    )
    .limit(limit);
}

/** Output paths of exports that are queued or running. Exposed for EXPLAIN tests. */
export function buildActiveExportOutputsQuery(db: AuraDb) {
  return db
    .select({ id: exportHistory.id, outputFile: exportHistory.outputFile })
    .from(exportHistory)
    .where(inArray(exportHistory.status, ACTIVE_EXPORT_STATUSES));
}

function realDirectory(dir: string): string | null {
  try {
    return realpathSync(dir);
  } catch {
    return null;
  }
}

/**
 * Deletes leftover part files: regular files named `.<name>.part-*` in the output directory (and
 * its subfolders, symlinks never followed) and in `extraDirs`, that belong to no queued or running
 * export and were not modified for PART_FILE_GRACE_MS (so an export that started after the list
 * of running exports was read keeps its file). Output files themselves are never touched.
 */
export function removeLeftoverPartFiles(
  db: AuraDb,
  options: { now?: Date; extraDirs?: string[]; roots?: string[]; problems?: string[] } = {},
): number {
  const now = (options.now ?? new Date()).getTime();
  const problems = options.problems ?? [];
  let outputRoot: string | null = null;
  try {
    outputRoot = realDirectory(outputDirectory(db));
  } catch {
    outputRoot = null; // no system configuration yet
  }
  const guard = cleanupGuard(
    db,
    options.roots && outputRoot ? [...options.roots, outputRoot] : options.roots,
  );
  const owned = new Map<string, string[]>();
  for (const { id, outputFile } of buildActiveExportOutputsQuery(db).all()) {
    const dir = realDirectory(path.dirname(outputFile)) ?? path.dirname(outputFile);
    owned.set(dir, [...(owned.get(dir) ?? []), exportTempFilePrefix(outputFile, id)]);
  }
  let deleted = 0;
  const visit = (dir: string, name: string) => {
    if (!PART_FILE.test(name)) return;
    if (owned.get(dir)?.some((prefix) => name.startsWith(prefix))) return;
    const file = path.join(dir, name);
    if (targetProblem(guard, file)) return;
    try {
      const stat = lstatSync(file);
      if (!stat.isFile() || now - stat.mtimeMs < PART_FILE_GRACE_MS) return;
      unlinkSync(file);
      deleted += 1;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        report(problems, `could not delete ${file}: ${(error as Error).message}`);
    }
  };
  const seen = new Set<string>();
  const walk = (dir: string, depth: number) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (depth < PART_FILE_MAX_DEPTH) walk(path.join(dir, entry.name), depth + 1);
      } else if (entry.isFile()) {
        visit(dir, entry.name);
      }
    }
  };
  // An output directory the guard refuses (it holds the service's files) is not searched.
  if (outputRoot && guard.roots.includes(outputRoot)) walk(outputRoot, 0);
  for (const extra of options.extraDirs ?? []) {
    const dir = realDirectory(extra);
    if (dir) walk(dir, PART_FILE_MAX_DEPTH); // that folder only
  }
  return deleted;
}

/**
 * Export history older than Retention.ExportHistoryDays (by CreatedAt): finished exports only
 * (Completed, Failed, Cancelled; queued and running ones are never touched) leave the history,
 * their output files stay (they are the user's videos). Then leftover part files are removed (see
 * removeLeftoverPartFiles), in the output directory and in the folders of the removed exports.
 */
export function cleanupExportHistory(
  db: AuraDb,
  options: FileCleanupOptions = {},
): ExportHistoryCleanup {
  const now = options.now ?? new Date();
  const days = settingsOf(db, options)['Retention.ExportHistoryDays'];
  const cutoff = cutoffIso(now, days * DAY_MS);
  const limit = batchSizeOf(options);
  const { db: metered, stats } = meterWrites(db);
  const result = { cutoff, deleted: 0, partFilesDeleted: 0, problems: [] as string[] };
  const dirs = new Set<string>();
  result.deleted = inBatches(metered, limit, (tx, size) => {
    const rows = buildOldExportsQuery(tx, cutoff, size).all();
    if (rows.length > 0) {
      tx.delete(exportHistory)
        .where(
          and(
            inArray(
              exportHistory.id,
              rows.map((r) => r.id),
            ),
            inArray(exportHistory.status, FINISHED_EXPORTS),
          ),
        )
        .run();
    }
    for (const row of rows) dirs.add(path.dirname(row.outputFile));
    return rows.length;
  });
  result.partFilesDeleted = removeLeftoverPartFiles(db, {
    now,
    extraDirs: [...dirs],
    roots: options.roots,
    problems: result.problems,
  });
  return { ...result, ...lockFigures(stats) };
}
