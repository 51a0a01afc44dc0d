import {
  customTemplates,
  hardDelete,
  onlyDeleted,
  projectStates,
  projectVersions,
  type AuraDb,
} from '@aura/db';
import { and, lt } from 'drizzle-orm';
import { hardDeleteProject } from '../../projects/service';
import { purgeVersion } from '../../versions/service';
import { DAY_MS } from '../settings';
import { batchSizeOf, cutoffIso, inBatches, settingsOf, type CleanupOptions } from './shared';

/** Projects purged per transaction (each may carry many versions whose references are released). */
export const PROJECT_PURGE_BATCH_SIZE = 20;

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
  let referencesReleased = 0;
  // Each service call below nests in the batch's transaction (a savepoint).
  const projects = inBatches(db, projectLimit, (tx) => {
    const ids = buildPurgeableProjectsQuery(tx, cutoff, projectLimit).all();
    for (const { id } of ids) hardDeleteProject(tx, id);
    return ids.length;
  });
  const versions = inBatches(db, limit, (tx) => {
    const ids = buildPurgeableVersionsQuery(tx, cutoff, limit).all();
    for (const { id } of ids) referencesReleased += purgeVersion(tx, id).released;
    return ids.length;
  });
  const templates = inBatches(db, limit, (tx) => {
    const ids = buildPurgeableCustomTemplatesQuery(tx, cutoff, limit).all();
    for (const { id } of ids) hardDelete(tx, customTemplates, id);
    return ids.length;
  });
  return { cutoff, projects, versions, referencesReleased, customTemplates: templates };
}
