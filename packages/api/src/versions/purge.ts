import {
  NotFoundError,
  findAnyById,
  notDeleted,
  nowIso,
  projectVersions,
  writeTransaction,
  type Actor,
  type AuraDb,
  type ProjectVersion,
} from '@aura/db';
import { and, eq, inArray } from 'drizzle-orm';
import { releaseReferences, type BlobCache } from './content';
import { autosavesToPrune, storedRetentionPolicy, type RetentionPolicy } from './retention';
import { versionClosure } from './snapshot';

/** Removing versions for good: retention pruning, purges, a project's hard delete. */

/** Removes a version row and releases every reference it held, in the caller's transaction. */
function purgeInTransaction(
  tx: AuraDb,
  version: ProjectVersion,
  cache?: BlobCache,
  actor?: Actor,
): void {
  releaseReferences(tx, versionClosure(tx, version, cache), nowIso(), actor);
  tx.delete(projectVersions).where(eq(projectVersions.id, version.id)).run();
}

/**
 * Applies the autosave retention policy (default: the stored one, Retention.AutosaveKeepLast) to
 * one project; returns the ids it purged.
 */
export function pruneAutosavesInTransaction(
  tx: AuraDb,
  projectId: string,
  now: Date = new Date(),
  policy: RetentionPolicy = storedRetentionPolicy(tx),
): string[] {
  const autosaves = tx
    .select({ id: projectVersions.id, createdAt: projectVersions.createdAt })
    .from(projectVersions)
    .where(
      and(
        eq(projectVersions.projectId, projectId),
        eq(projectVersions.versionType, 'Autosave'),
        eq(projectVersions.isMarkedImportant, false),
        notDeleted(projectVersions),
      ),
    )
    .all();
  const doomed = autosavesToPrune(autosaves, now, policy);
  if (doomed.length === 0) return [];
  const cache: BlobCache = new Map();
  for (const row of tx
    .select()
    .from(projectVersions)
    .where(inArray(projectVersions.id, doomed))
    .all()) {
    purgeInTransaction(tx, row, cache);
  }
  return doomed;
}

/**
 * Purges every version of a project (for a hard delete of the project, whose cascade would
 * otherwise drop the rows without releasing their references).
 */
export function purgeProjectVersionsInTransaction(tx: AuraDb, projectId: string): number {
  const cache: BlobCache = new Map();
  const rows = tx
    .select()
    .from(projectVersions)
    .where(eq(projectVersions.projectId, projectId))
    .all();
  for (const row of rows) purgeInTransaction(tx, row, cache);
  return rows.length;
}

export function pruneAutosaves(
  db: AuraDb,
  projectId: string,
  now?: Date,
  policy?: RetentionPolicy,
): string[] {
  return writeTransaction(db, (tx) => pruneAutosavesInTransaction(tx, projectId, now, policy));
}

/** Hard delete (admin): the row goes and every reference it held is released. */
export function purgeVersion(
  db: AuraDb,
  id: string,
  actor?: Actor,
): { id: string; released: number } {
  return writeTransaction(db, (tx) => {
    const row = findAnyById(tx, projectVersions, id);
    if (!row) throw new NotFoundError('ProjectVersions', id);
    const closure = versionClosure(tx, row);
    purgeInTransaction(tx, row, undefined, actor);
    return { id, released: closure.size };
  });
}
