import { lstatSync, realpathSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import {
  assetStates,
  exportHistory,
  renderCheckpoints,
  resolveFromRoot,
  sceneStates,
  type AuraDb,
} from '@aura/db';
import { and, inArray, notInArray, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { mediaGuard, targetProblem, type MediaGuard } from '../media/paths';

/**
 * File removal for the cleanup jobs. A path in a row was sent by a client (or written into the
 * table by hand), so the worker never deletes it blindly: only a regular file (or a symbolic link
 * itself, never its target; never a folder) that the path guard (media/paths.ts) accepts at the
 * moment of deletion (inside a media root, none of the service's own files), and only when no
 * other row still references the same path.
 */

/** The guard of a cleanup run: the media roots (or `roots`, filtered the same way). */
export function cleanupGuard(
  db: AuraDb,
  roots?: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): MediaGuard {
  return mediaGuard(db, { env, roots });
}

/** Where the cleanup jobs may delete files: the usable media roots as real paths. */
export function cleanupRoots(db: AuraDb, env: NodeJS.ProcessEnv = process.env): string[] {
  return cleanupGuard(db, undefined, env).roots;
}

export type RemoveOutcome =
  /** The file (or link) was deleted. */
  | 'deleted'
  /** Nothing was there. */
  | 'missing'
  /** The guard refuses it (outside the media roots, a service file): left alone, see `error`. */
  | 'outsideRoots'
  /** A folder or a special file: left alone. */
  | 'notAFile'
  /** The file system refused (permissions, read-only…): see `error`. */
  | 'error';

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code;

function message(error: unknown): string {
  const code = errnoOf(error);
  return code ? `${code}: ${(error as Error).message}` : String(error);
}

/**
 * Deletes the file at `filePath` (relative paths resolve against the workspace root) if it is a
 * regular file or a symlink the guard accepts. Never follows a link, never removes a folder.
 */
export function removeFileWithin(
  filePath: string,
  guard: MediaGuard,
): { outcome: RemoveOutcome; error?: string } {
  const absolute = resolveFromRoot(filePath);
  const name = path.basename(absolute);
  let folder: string;
  try {
    folder = realpathSync(path.dirname(absolute));
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { outcome: 'missing' };
    return { outcome: 'error', error: message(error) };
  }
  const target = path.join(folder, name);
  if (name === '' || name === '.' || name === '..') return { outcome: 'notAFile' };
  const refused = targetProblem(guard, target);
  if (refused) return { outcome: 'outsideRoots', error: refused };
  let stat;
  try {
    stat = lstatSync(target);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { outcome: 'missing' };
    return { outcome: 'error', error: message(error) };
  }
  if (!stat.isFile() && !stat.isSymbolicLink()) return { outcome: 'notAFile' };
  try {
    unlinkSync(target);
    return { outcome: 'deleted' };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { outcome: 'missing' };
    return { outcome: 'error', error: message(error) };
  }
}

/** Rows a reference check leaves out (those the caller is about to delete). */
export interface ReferenceExclusions {
  assetIds?: string[];
  checkpointIds?: string[];
  exportIds?: string[];
}

/** Every column that stores a file path. */
function referenceSites(exclude: ReferenceExclusions) {
  const not = (column: SQLiteColumn, ids?: string[]) =>
    ids && ids.length > 0 ? notInArray(column, ids) : undefined;
  return [
    {
      table: assetStates,
      column: assetStates.filePath,
      extra: not(assetStates.id, exclude.assetIds),
    },
    { table: sceneStates, column: sceneStates.audioFilePath, extra: undefined },
    { table: sceneStates, column: sceneStates.imageFilePath, extra: undefined },
    {
      table: renderCheckpoints,
      column: renderCheckpoints.outputFilePath,
      extra: not(renderCheckpoints.id, exclude.checkpointIds),
    },
    {
      table: exportHistory,
      column: exportHistory.inputFile,
      extra: not(exportHistory.id, exclude.exportIds),
    },
    {
      table: exportHistory,
      column: exportHistory.outputFile,
      extra: not(exportHistory.id, exclude.exportIds),
    },
  ] as const;
}

/**
 * Which of `paths` some row still references (any file-path column of any table, the excluded
 * rows left out), compared after resolving relative paths. Returns resolved paths.
 */
export function referencedPaths(
  tx: AuraDb,
  paths: readonly string[],
  exclude: ReferenceExclusions = {},
): Set<string> {
  const referenced = new Set<string>();
  const candidates = [...new Set(paths.flatMap((p) => [p, resolveFromRoot(p)]))];
  if (candidates.length === 0) return referenced;
  for (const site of referenceSites(exclude)) {
    const conditions: (SQL | undefined)[] = [inArray(site.column, candidates), site.extra];
    for (const row of tx
      .selectDistinct({ path: site.column })
      .from(site.table)
      .where(and(...conditions))
      .all()) {
      if (row.path) referenced.add(resolveFromRoot(row.path));
    }
  }
  return referenced;
}

/** Counts of what happened to the files a cleanup looked at. */
export interface FileCounts {
  filesDeleted: number;
  /** Already gone. */
  filesMissing: number;
  /** Still referenced by another row: kept. */
  filesShared: number;
  /** Refused by the path guard, or not a regular file: kept. */
  filesKept: number;
  /** The file system refused; the row was kept for the next run. */
  fileErrors: number;
}

export function emptyFileCounts(): FileCounts {
  return { filesDeleted: 0, filesMissing: 0, filesShared: 0, filesKept: 0, fileErrors: 0 };
}

/** The problems a run reports (capped, so a log line stays readable). */
export const MAX_REPORTED = 20;

export function report(list: string[], entry: string): void {
  if (list.length < MAX_REPORTED) list.push(entry);
}

/**
 * Removes the files of rows about to be deleted, when nothing else references them. Returns the
 * ids of the rows whose file could not be removed (the caller keeps those rows, so the next run
 * retries), updating `counts` and `problems`.
 */
export function removeRowFiles(
  tx: AuraDb,
  rows: readonly { id: string; path: string | null }[],
  guard: MediaGuard,
  exclude: ReferenceExclusions,
  counts: FileCounts,
  problems: string[],
): Set<string> {
  const failed = new Set<string>();
  const withPath = rows.filter((r): r is { id: string; path: string } => Boolean(r.path));
  if (withPath.length === 0) return failed;
  const referenced = referencedPaths(
    tx,
    withPath.map((r) => r.path),
    exclude,
  );
  const outcomes = new Map<string, ReturnType<typeof removeFileWithin>>();
  for (const row of withPath) {
    const resolved = resolveFromRoot(row.path);
    if (referenced.has(resolved)) {
      counts.filesShared += 1;
      continue;
    }
    let result = outcomes.get(resolved);
    if (result) continue; // the same file named by two doomed rows: handled once
    result = removeFileWithin(row.path, guard);
    outcomes.set(resolved, result);
    switch (result.outcome) {
      case 'deleted':
        counts.filesDeleted += 1;
        break;
      case 'missing':
        counts.filesMissing += 1;
        break;
      case 'outsideRoots':
        counts.filesKept += 1;
        report(problems, `kept ${row.path}: it ${result.error}`);
        break;
      case 'notAFile':
        counts.filesKept += 1;
        report(problems, `kept ${row.path}: not a regular file`);
        break;
      case 'error':
        counts.fileErrors += 1;
        report(problems, `could not delete ${row.path}: ${result.error}`);
        break;
    }
  }
  for (const row of withPath) {
    if (outcomes.get(resolveFromRoot(row.path))?.outcome === 'error') failed.add(row.id);
  }
  return failed;
}
