import { lstatSync, readdirSync, realpathSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import {
  SYSTEM_ACTOR,
  actionLogs,
  assetStates,
  auditedUpdateWhere,
  customTemplates,
  exportHistory,
  hardDelete,
  nowIso,
  onlyDeleted,
  notDeleted,
  projectStates,
  projectVersions,
  renderCheckpoints,
  writeTransaction,
  type ActionStatus,
  type AuraDb,
  type ExportStatus,
} from '@aura/db';
import { and, asc, eq, gt, inArray, isNull, lt, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { exportTempFilePrefix } from '../exports/jobs';
import { ACTIVE_EXPORT_STATUSES, outputDirectory } from '../exports/service';
import { hardDeleteProject } from '../projects/service';
import { DEFAULT_RETENTION } from '../versions/retention';
import { collectBlobs, pruneAutosavesInTransaction, purgeVersion } from '../versions/service';
import { targetProblem } from '../media/paths';
import { cleanupGuard, emptyFileCounts, removeRowFiles, report, type FileCounts } from './files';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  readMaintenanceSettings,
  type MaintenanceSettings,
} from './settings';

/**
 * The cleanup services the worker runs on a schedule (and an admin may run by hand). Each one:
 * - reads its retention from the Configurations rows (settings.ts) unless given `settings`;
 * - works in small batches, each in its own IMMEDIATE transaction, so API writes wait at most one
 *   batch;
 * - is idempotent: it selects what is due now, so a second run finds nothing left to do;
 * - touches only its target rows (and, for assets and invalid checkpoints, files no other row
 *   references, inside the media roots: see files.ts), and returns counts of what it did.
 */

export const CLEANUP_BATCH_SIZE = 200;
/** Projects purged per transaction (each may carry many versions whose references are released). */
export const PROJECT_PURGE_BATCH_SIZE = 20;
/** A part file not modified for this long, and owned by no queued or running export, is left over. */
export const PART_FILE_GRACE_MS = 15 * MINUTE_MS;
/** How deep the output directory is searched for leftover part files. */
const PART_FILE_MAX_DEPTH = 8;
/** Rows a run gives up on (file errors) before it stops, so a broken disk cannot loop forever. */
const MAX_SKIPPED = 1_000;

export interface CleanupOptions {
  /** The clock (tests); default now. */
  now?: Date;
  /** Rows per transaction; default 200. */
  batchSize?: number;
  /** Retention values; default read from the Configurations rows. */
  settings?: MaintenanceSettings;
}

export interface FileCleanupOptions extends CleanupOptions {
  /**
   * Folders inside which files may be deleted; default the media roots. Either way the path guard
   * drops a folder that holds the service's files and refuses those files.
   */
  roots?: string[];
}

function settingsOf(db: AuraDb, options: CleanupOptions): MaintenanceSettings {
  return options.settings ?? readMaintenanceSettings(db).values;
}

function cutoffIso(now: Date, ageMs: number): string {
  return nowIso(new Date(now.getTime() - ageMs));
}

function batchSizeOf(options: CleanupOptions, fallback = CLEANUP_BATCH_SIZE): number {
  const size = options.batchSize ?? fallback;
  if (!Number.isInteger(size) || size < 1) throw new RangeError('batchSize must be ≥ 1');
  return size;
}

const excluding = (column: Parameters<typeof notInArray>[0], ids: Set<string>) =>
  ids.size > 0 ? notInArray(column, [...ids]) : undefined;

// ---- temporary assets ------------------------------------------------------------------------

export interface TemporaryAssetCleanup extends FileCounts {
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
  skip: Set<string> = new Set(),
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
  const result: TemporaryAssetCleanup = { cutoff, deleted: 0, ...emptyFileCounts(), problems: [] };
  const skip = new Set<string>();
  for (;;) {
    const selected = writeTransaction(db, (tx) => {
      const rows = buildTemporaryAssetQuery(tx, cutoff, limit, skip).all();
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      const failed = removeRowFiles(
        tx,
        rows.map((r) => ({ id: r.id, path: r.filePath })),
        guard,
        { assetIds: ids },
        result,
        result.problems,
      );
      for (const id of failed) skip.add(id);
      const doomed = ids.filter((id) => !failed.has(id));
      if (doomed.length > 0) {
        result.deleted += tx
          .delete(assetStates)
          .where(and(inArray(assetStates.id, doomed), eq(assetStates.isTemporary, true)))
          .run().changes;
      }
      return rows.length;
    });
    if (selected < limit || skip.size >= MAX_SKIPPED) break;
  }
  return result;
}

// ---- action logs -----------------------------------------------------------------------------

/** Statuses an action leaves when its ExpiresAt passes. */
const EXPIRING: ActionStatus[] = ['Applied', 'Undone'];
/** Statuses deleted once their ExpiresAt is older than the retention (Failed is kept as is until then). */
const DELETABLE_ACTIONS: ActionStatus[] = ['Expired', 'Failed'];

export interface ActionLogCleanup {
  /** Applied/Undone actions past ExpiresAt marked Expired. */
  expired: number;
  /** Expired (and Failed) actions deleted, their ExpiresAt older than the retention. */
  deleted: number;
  deleteCutoff: string;
}

/** The batch query of actions to mark Expired. Exposed for EXPLAIN tests. */
export function buildExpiringActionsQuery(db: AuraDb, now: string, limit: number) {
  return db
    .select({ id: actionLogs.id })
    .from(actionLogs)
    .where(and(inArray(actionLogs.status, EXPIRING), lte(actionLogs.expiresAt, now)))
    .limit(limit);
}

/** The batch query of expired actions to delete. Exposed for EXPLAIN tests. */
export function buildDeletableActionsQuery(db: AuraDb, cutoff: string, limit: number) {
  return db
    .select({ id: actionLogs.id })
    .from(actionLogs)
    .where(and(inArray(actionLogs.status, DELETABLE_ACTIONS), lt(actionLogs.expiresAt, cutoff)))
    .limit(limit);
}

/**
 * The undo log's retention. Actions whose ExpiresAt has passed can no longer be undone or redone
 * (the actions service already ignores them): Applied and Undone ones are marked Expired (RowVersion
 * bumped, ModifiedBy "system"). Expired ones, and Failed ones, whose ExpiresAt is older than
 * Retention.ExpiredActionLogDays are deleted. Actions without ExpiresAt never expire.
 */
export function expireActionLogs(db: AuraDb, options: CleanupOptions = {}): ActionLogCleanup {
  const now = options.now ?? new Date();
  const at = nowIso(now);
  const days = settingsOf(db, options)['Retention.ExpiredActionLogDays'];
  const deleteCutoff = cutoffIso(now, days * DAY_MS);
  const limit = batchSizeOf(options);
  const result: ActionLogCleanup = { expired: 0, deleted: 0, deleteCutoff };
  for (;;) {
    const selected = writeTransaction(db, (tx) => {
      const ids = buildExpiringActionsQuery(tx, at, limit)
        .all()
        .map((r) => r.id);
      if (ids.length === 0) return 0;
      result.expired += auditedUpdateWhere(
        tx,
        actionLogs,
        and(
          inArray(actionLogs.id, ids),
          inArray(actionLogs.status, EXPIRING),
          lte(actionLogs.expiresAt, at),
        ),
        { status: 'Expired' },
        SYSTEM_ACTOR,
      );
      return ids.length;
    });
    if (selected < limit) break;
  }
  for (;;) {
    const selected = writeTransaction(db, (tx) => {
      const ids = buildDeletableActionsQuery(tx, deleteCutoff, limit)
        .all()
        .map((r) => r.id);
      if (ids.length === 0) return 0;
      result.deleted += tx
        .delete(actionLogs)
        .where(
          and(
            inArray(actionLogs.id, ids),
            inArray(actionLogs.status, DELETABLE_ACTIONS),
            lt(actionLogs.expiresAt, deleteCutoff),
          ),
        )
        .run().changes;
      return ids.length;
    });
    if (selected < limit) break;
  }
  return result;
}

// ---- autosaves -------------------------------------------------------------------------------

export interface AutosavePruning {
  keepLast: number;
  projectsChecked: number;
  /** Projects that lost at least one autosave. */
  projectsPruned: number;
  /** Autosaves purged (their blob references released). */
  versionsPruned: number;
}

/** One page of project ids (keyset on the primary key). Exposed for EXPLAIN tests. */
export function buildProjectIdPageQuery(db: AuraDb, after: string | null, limit: number) {
  return db
    .select({ id: projectStates.id })
    .from(projectStates)
    .where(after === null ? undefined : gt(projectStates.id, after))
    .orderBy(asc(projectStates.id))
    .limit(limit);
}

/**
 * Which of `projectIds` hold more prunable autosaves (live, not important) than `keepLast`: only
 * those can lose any. Exposed for EXPLAIN tests.
 */
export function buildAutosaveCountQuery(db: AuraDb, projectIds: string[], keepLast: number) {
  return db
    .select({ projectId: projectVersions.projectId, n: sql<number>`count(*)` })
    .from(projectVersions)
    .where(
      and(
        inArray(projectVersions.projectId, projectIds),
        eq(projectVersions.versionType, 'Autosave'),
        eq(projectVersions.isMarkedImportant, false),
        notDeleted(projectVersions),
      ),
    )
    .groupBy(projectVersions.projectId)
    .having(sql`count(*) > ${keepLast}`);
}

/**
 * The version history's retention policy over every project (trash included): the newest
 * Retention.AutosaveKeepLast autosaves, plus one a day for 7 days and one a week for 4 weeks, are
 * kept; manual saves, restore points and important versions never are candidates. Each project is
 * pruned in its own transaction by the versions service (pruneAutosavesInTransaction).
 */
export function pruneAllAutosaves(db: AuraDb, options: CleanupOptions = {}): AutosavePruning {
  const now = options.now ?? new Date();
  const keepLast = settingsOf(db, options)['Retention.AutosaveKeepLast'];
  const policy = { ...DEFAULT_RETENTION, keepLast };
  const limit = batchSizeOf(options);
  const result: AutosavePruning = {
    keepLast,
    projectsChecked: 0,
    projectsPruned: 0,
    versionsPruned: 0,
  };
  let after: string | null = null;
  for (;;) {
    const ids: string[] = buildProjectIdPageQuery(db, after, limit)
      .all()
      .map((r) => r.id);
    if (ids.length === 0) break;
    result.projectsChecked += ids.length;
    after = ids.at(-1)!;
    for (const { projectId } of buildAutosaveCountQuery(db, ids, keepLast).all()) {
      const pruned = writeTransaction(db, (tx) =>
        pruneAutosavesInTransaction(tx, projectId, now, policy),
      );
      if (pruned.length > 0) {
        result.projectsPruned += 1;
        result.versionsPruned += pruned.length;
      }
    }
    if (ids.length < limit) break;
  }
  return result;
}

// ---- blobs -----------------------------------------------------------------------------------

export interface BlobCollection {
  graceMinutes: number;
  /** Blobs at zero references for longer than the grace period when the run started. */
  collectable: number;
  collectableBytes: number;
  removed: number;
}

/**
 * Content blobs no version references, unreferenced for longer than Retention.BlobGraceMinutes,
 * removed by the versions service (collectBlobs: batches of its own, and a refusal when the counts
 * are evidently broken, which fails the job loudly).
 */
export function collectUnreferencedBlobs(db: AuraDb, options: CleanupOptions = {}): BlobCollection {
  const graceMinutes = settingsOf(db, options)['Retention.BlobGraceMinutes'];
  const result = collectBlobs(db, {
    graceMs: graceMinutes * MINUTE_MS,
    now: options.now,
    batchSize: batchSizeOf(options),
  });
  return {
    graceMinutes,
    collectable: result.collectable,
    collectableBytes: result.collectableBytes,
    removed: result.removed,
  };
}

// ---- soft-deleted rows -----------------------------------------------------------------------

export interface SoftDeletePurge {
  cutoff: string;
  /** Projects hard-deleted (their versions purged, their references released, children cascaded). */
  projects: number;
  /** Versions purged, their references released. */
  versions: number;
  /** Blob references the purged versions released. */
  referencesReleased: number;
  customTemplates: number;
}

/** Trashed projects deleted before `cutoff`. Exposed for EXPLAIN tests. */
export function buildPurgeableProjectsQuery(db: AuraDb, cutoff: string, limit: number) {
  return db
    .select({ id: projectStates.id })
    .from(projectStates)
    .where(and(onlyDeleted(projectStates), lt(projectStates.deletedAt, cutoff)))
    .limit(limit);
}

/** Trashed versions deleted before `cutoff`. Exposed for EXPLAIN tests. */
export function buildPurgeableVersionsQuery(db: AuraDb, cutoff: string, limit: number) {
  return db
    .select({ id: projectVersions.id })
    .from(projectVersions)
    .where(and(onlyDeleted(projectVersions), lt(projectVersions.deletedAt, cutoff)))
    .limit(limit);
}

/** Trashed custom templates deleted before `cutoff`. Exposed for EXPLAIN tests. */
export function buildPurgeableCustomTemplatesQuery(db: AuraDb, cutoff: string, limit: number) {
  return db
    .select({ id: customTemplates.id })
    .from(customTemplates)
    .where(and(onlyDeleted(customTemplates), lt(customTemplates.deletedAt, cutoff)))
    .limit(limit);
}

/**
 * Rows in the trash for longer than Retention.SoftDeletePurgeDays (by DeletedAt), purged for good
 * through the domain rules: projects by the projects service's hard delete (every version purged
 * first, so their blob references are released; scenes, assets and checkpoints cascade — their
 * files are left alone, since a duplicated project shares them), versions by purgeVersion
 * (references released), custom templates by the hard-delete helper. Live rows and rows still
 * within the retention are not touched.
 */
export function purgeSoftDeleted(db: AuraDb, options: CleanupOptions = {}): SoftDeletePurge {
  const now = options.now ?? new Date();
  const days = settingsOf(db, options)['Retention.SoftDeletePurgeDays'];
  const cutoff = cutoffIso(now, days * DAY_MS);
  const limit = batchSizeOf(options);
  const projectLimit = Math.min(limit, options.batchSize ?? PROJECT_PURGE_BATCH_SIZE);
  const result: SoftDeletePurge = {
    cutoff,
    projects: 0,
    versions: 0,
    referencesReleased: 0,
    customTemplates: 0,
  };
  // Each service call below nests in the batch's transaction (a savepoint).
  for (;;) {
    const n = writeTransaction(db, (tx) => {
      const ids = buildPurgeableProjectsQuery(tx, cutoff, projectLimit).all();
      for (const { id } of ids) hardDeleteProject(tx, id);
      return ids.length;
    });
    result.projects += n;
    if (n < projectLimit) break;
  }
  for (;;) {
    const n = writeTransaction(db, (tx) => {
      const ids = buildPurgeableVersionsQuery(tx, cutoff, limit).all();
      for (const { id } of ids) result.referencesReleased += purgeVersion(tx, id).released;
      return ids.length;
    });
    result.versions += n;
    if (n < limit) break;
  }
  for (;;) {
    const n = writeTransaction(db, (tx) => {
      const ids = buildPurgeableCustomTemplatesQuery(tx, cutoff, limit).all();
      for (const { id } of ids) hardDelete(tx, customTemplates, id);
      return ids.length;
    });
    result.customTemplates += n;
    if (n < limit) break;
  }
  return result;
}

// ---- render checkpoints ----------------------------------------------------------------------

export interface CheckpointCleanup extends FileCounts {
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
  const result: CheckpointCleanup = {
    completedProjectCheckpoints: 0,
    invalidCheckpoints: 0,
    ...emptyFileCounts(),
    problems: [],
  };
  const skip = new Set<string>();
  for (;;) {
    const selected = writeTransaction(db, (tx) => {
      const rows = buildInvalidCheckpointsQuery(tx, limit, skip).all();
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      const failed = removeRowFiles(
        tx,
        rows.map((r) => ({ id: r.id, path: r.outputFilePath })),
        guard,
        { checkpointIds: ids },
        result,
        result.problems,
      );
      for (const id of failed) skip.add(id);
      const doomed = ids.filter((id) => !failed.has(id));
      if (doomed.length > 0) {
        result.invalidCheckpoints += tx
          .delete(renderCheckpoints)
          .where(and(inArray(renderCheckpoints.id, doomed), eq(renderCheckpoints.isValid, false)))
          .run().changes;
      }
      return rows.length;
    });
    if (selected < limit || skip.size >= MAX_SKIPPED) break;
  }
  for (;;) {
    const n = writeTransaction(db, (tx) => {
      const ids = buildCompletedProjectCheckpointsQuery(tx, limit)
        .all()
        .map((r) => r.id);
      if (ids.length > 0)
        tx.delete(renderCheckpoints).where(inArray(renderCheckpoints.id, ids)).run();
      return ids.length;
    });
    result.completedProjectCheckpoints += n;
    if (n < limit) break;
  }
  return result;
}

// ---- export history --------------------------------------------------------------------------

const FINISHED_EXPORTS: ExportStatus[] = ['Completed', 'Failed', 'Cancelled'];
/**
 * A temporary file of an export: `.<name>.part-<export id>-<attempt><ext>` (exports/jobs.ts), in the
 * folder of its OutputFile, renamed to OutputFile on success. Only names carrying an export id (a
 * UUID) match, so a user's own hidden `.x.part-2` file is never taken for one.
 */
const PART_FILE = /^\..+\.part-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d+/i;

export interface ExportHistoryCleanup {
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
  const result: ExportHistoryCleanup = { cutoff, deleted: 0, partFilesDeleted: 0, problems: [] };
  const dirs = new Set<string>();
  for (;;) {
    const n = writeTransaction(db, (tx) => {
      const rows = buildOldExportsQuery(tx, cutoff, limit).all();
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
    result.deleted += n;
    if (n < limit) break;
  }
  result.partFilesDeleted = removeLeftoverPartFiles(db, {
    now,
    extraDirs: [...dirs],
    roots: options.roots,
    problems: result.problems,
  });
  return result;
}

// ---- interrupted projects --------------------------------------------------------------------

export interface StaleProjectFlagging {
  cutoff: string;
  /** Live InProgress projects not updated since the cutoff (flagged now or before). */
  stale: number;
  /** Projects whose ErrorMessage was set by this run. */
  flagged: number;
  /** The projects flagged by this run (at most 20), for the log. */
  projects: { id: string; title: string; updatedAt: string }[];
}

/** Stale live InProgress projects not flagged yet. Exposed for EXPLAIN tests. */
export function buildUnflaggedStaleProjectsQuery(db: AuraDb, cutoff: string, limit: number) {
  return db
    .select({
      id: projectStates.id,
      title: projectStates.title,
      updatedAt: projectStates.updatedAt,
    })
    .from(projectStates)
    .where(
      and(
        eq(projectStates.status, 'InProgress'),
        notDeleted(projectStates),
        lt(projectStates.updatedAt, cutoff),
        isNull(projectStates.errorMessage),
      ),
    )
    .limit(limit);
}

function staleCondition(cutoff: string): SQL {
  return and(
    eq(projectStates.status, 'InProgress'),
    notDeleted(projectStates),
    lt(projectStates.updatedAt, cutoff),
  )!;
}

/**
 * Projects left InProgress with no update for Retention.RecoveryStaleMinutes are flagged for
 * recovery. There is no flag column: the run reports them, and sets ErrorMessage to "Interrupted:
 * no progress since <UpdatedAt>" where ErrorMessage is empty. It deliberately leaves RowVersion,
 * UpdatedAt and ModifiedBy alone: the project stays stale (listed by recovery.list) and the user's
 * next edit, made with the RowVersion they read, does not conflict. A message already there (a
 * failure, or a previous run's flag) is never overwritten, so a second run changes nothing.
 */
export function flagStaleProjects(db: AuraDb, options: CleanupOptions = {}): StaleProjectFlagging {
  const now = options.now ?? new Date();
  const minutes = settingsOf(db, options)['Retention.RecoveryStaleMinutes'];
  const cutoff = cutoffIso(now, minutes * MINUTE_MS);
  const limit = batchSizeOf(options);
  const result: StaleProjectFlagging = { cutoff, stale: 0, flagged: 0, projects: [] };
  for (;;) {
    const n = writeTransaction(db, (tx) => {
      const rows = buildUnflaggedStaleProjectsQuery(tx, cutoff, limit).all();
      if (rows.length === 0) return 0;
      const changed = tx
        .update(projectStates)
        .set({
          errorMessage: sql`'Interrupted: no progress since ' || ${projectStates.updatedAt}`,
        })
        .where(
          and(
            inArray(
              projectStates.id,
              rows.map((r) => r.id),
            ),
            staleCondition(cutoff),
            isNull(projectStates.errorMessage),
          ),
        )
        .run().changes;
      result.flagged += changed;
      for (const row of rows) if (result.projects.length < 20) result.projects.push(row);
      return rows.length;
    });
    if (n < limit) break;
  }
  result.stale = db
    .select({ n: sql<number>`count(*)` })
    .from(projectStates)
    .where(staleCondition(cutoff))
    .get()!.n;
  return result;
}
