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
import {
  batchSizeOf,
  cutoffIso,
  eachIsolated,
  excluding,
  inBatches,
  lockFigures,
  meterWrites,
  settingsOf,
  type CleanupOptions,
  type RowProblems,
  type WriteLockStats,
} from './shared';

/** Projects purged per transaction (each may carry many versions whose references are released). */
export const PROJECT_PURGE_BATCH_SIZE = 20;

export interface SoftDeletePurge extends RowProblems, WriteLockStats {
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
export function buildPurgeableProjectsQuery(
  db: AuraDb,
  cutoff: string,
  limit: number,
  skip = new Set<string>(),
) {
  return db
    .select({ id: projectStates.id })
    .from(projectStates)
    .where(
      and(
        onlyDeleted(projectStates),
        lt(projectStates.deletedAt, cutoff),
        excluding(projectStates.id, skip),
      ),
    )
    .limit(limit);
}

/** Trashed versions deleted before `cutoff`. Exposed for EXPLAIN tests. */
export function buildPurgeableVersionsQuery(
  db: AuraDb,
  cutoff: string,
  limit: number,
  skip = new Set<string>(),
) {
  return db
    .select({ id: projectVersions.id })
    .from(projectVersions)
    .where(
      and(
        onlyDeleted(projectVersions),
        lt(projectVersions.deletedAt, cutoff),
        excluding(projectVersions.id, skip),
      ),
    )
    .limit(limit);
}

/** Trashed custom templates deleted before `cutoff`. Exposed for EXPLAIN tests. */
export function buildPurgeableCustomTemplatesQuery(
  db: AuraDb,
  cutoff: string,
  limit: number,
  skip = new Set<string>(),
) {
  return db
    .select({ id: customTemplates.id })
    .from(customTemplates)
    .where(
      and(
        onlyDeleted(customTemplates),
        lt(customTemplates.deletedAt, cutoff),
        excluding(customTemplates.id, skip),
      ),
    )
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
  const { db: metered, stats } = meterWrites(db);
  const rows: RowProblems = { skipped: 0, problems: [] };
  let projects = 0;
  let versions = 0;
  let templates = 0;
  let referencesReleased = 0;
  // A batch that ran out of time before its last row reports a full batch, so the loop goes on.
  const more = (taken: number, selected: number, size: number) =>
    taken < selected ? size : selected;
  // Each row is purged in its own savepoint of the batch's transaction: one that fails (a stored
  // timeline that cannot be decoded, say) is logged, counted and left alone; the rest goes.
  const skipProjects = new Set<string>();
  inBatches(metered, projectLimit, (tx, size) => {
    const ids = buildPurgeableProjectsQuery(tx, cutoff, size, skipProjects)
      .all()
      .map((r) => r.id);
    const taken = eachIsolated(
      tx,
      ids,
      skipProjects,
      rows,
      (id) => `project ${id}`,
      (sp, id) => {
        hardDeleteProject(sp, id);
        projects += 1;
      },
    );
    return more(taken, ids.length, size);
  });
  const skipVersions = new Set<string>();
  inBatches(metered, limit, (tx, size) => {
    const ids = buildPurgeableVersionsQuery(tx, cutoff, size, skipVersions)
      .all()
      .map((r) => r.id);
    const taken = eachIsolated(
      tx,
      ids,
      skipVersions,
      rows,
      (id) => `version ${id}`,
      (sp, id) => {
        referencesReleased += purgeVersion(sp, id).released;
        versions += 1;
      },
    );
    return more(taken, ids.length, size);
  });
  const skipTemplates = new Set<string>();
  inBatches(metered, limit, (tx, size) => {
    const ids = buildPurgeableCustomTemplatesQuery(tx, cutoff, size, skipTemplates)
      .all()
      .map((r) => r.id);
    const taken = eachIsolated(
      tx,
      ids,
      skipTemplates,
      rows,
      (id) => `custom template ${id}`,
      (sp, id) => {
        hardDelete(sp, customTemplates, id);
        templates += 1;
      },
    );
    return more(taken, ids.length, size);
  });
  return {
    cutoff,
    projects,
    versions,
    referencesReleased,
    customTemplates: templates,
    ...rows,
    ...lockFigures(stats),
  };
}
