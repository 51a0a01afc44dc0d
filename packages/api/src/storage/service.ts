import { contentBlobs, nowIso, projectStates, projectVersions, type AuraDb } from '@aura/db';
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { getHealth } from '../health/service';
import { readMaintenanceSettings, DAY_MS, MINUTE_MS } from '../maintenance/settings';
import { keyset, type Page } from '../paging';
import { collectBlobs } from '../versions/storage';
import type {
  StorageAwaitingQuery,
  StorageCollectInput,
  StorageHistoryQuery,
  StorageLargestQuery,
} from './schema';

/**
 * The content-addressed store at a glance, for the dashboard's storage page: totals, a daily
 * series, the largest histories, the blobs waiting for collection and collecting them. Every
 * total is read from a covering index (no content is read).
 */

function graceMinutesOf(db: AuraDb): number {
  return readMaintenanceSettings(db).values['Retention.BlobGraceMinutes'];
}

function graceCutoff(graceMinutes: number, now: Date): string {
  return nowIso(new Date(now.getTime() - graceMinutes * MINUTE_MS));
}

const unreferenced = eq(contentBlobs.referenceCount, 0);

export interface StorageSummary {
  versions: number;
  blobs: number;
  /** What every version would weigh stored as a full copy. */
  logicalBytes: number;
  /** What the distinct blobs weigh. */
  storedBytes: number;
  /** logical / stored (1 when nothing is stored). */
  dedupRatio: number;
  graceMinutes: number;
  /** Blobs at zero references, and those of them past the grace period (collectable now). */
  awaiting: { count: number; bytes: number; collectableCount: number; collectableBytes: number };
  /** The database file and its write-ahead log (null for an in-memory database). */
  database: { sizeBytes: number | null; walSizeBytes: number | null };
  checkedAt: string;
}

/** The totals of the storage page. */
export function storageSummary(db: AuraDb, now: Date = new Date()): StorageSummary {
  const versions = db
    .select({
      n: sql<number>`count(*)`,
      bytes: sql<number>`coalesce(sum(${projectVersions.storageSizeBytes}), 0)`,
    })
    .from(projectVersions)
    .get() ?? { n: 0, bytes: 0 };
  const blobs = db
    .select({
      n: sql<number>`count(*)`,
      bytes: sql<number>`coalesce(sum(${contentBlobs.sizeBytes}), 0)`,
    })
    .from(contentBlobs)
    .get() ?? { n: 0, bytes: 0 };
  const graceMinutes = graceMinutesOf(db);
  const cutoff = graceCutoff(graceMinutes, now);
  const awaiting = db
    .select({
      n: sql<number>`count(*)`,
      bytes: sql<number>`coalesce(sum(${contentBlobs.sizeBytes}), 0)`,
      collectable: sql<number>`coalesce(sum(${contentBlobs.lastReferencedAt} < ${cutoff}), 0)`,
      collectableBytes: sql<number>`coalesce(sum(case when ${contentBlobs.lastReferencedAt} < ${cutoff} then ${contentBlobs.sizeBytes} else 0 end), 0)`,
    })
    .from(contentBlobs)
    .where(unreferenced)
    .get() ?? { n: 0, bytes: 0, collectable: 0, collectableBytes: 0 };
  const health = getHealth(db);
  return {
    versions: versions.n,
    blobs: blobs.n,
    logicalBytes: versions.bytes,
    storedBytes: blobs.bytes,
    dedupRatio: blobs.bytes === 0 ? 1 : versions.bytes / blobs.bytes,
    graceMinutes,
    awaiting: {
      count: awaiting.n,
      bytes: awaiting.bytes,
      collectableCount: awaiting.collectable,
      collectableBytes: awaiting.collectableBytes,
    },
    database: {
      sizeBytes: health.database.sizeBytes,
      walSizeBytes: health.database.walSizeBytes,
    },
    checkedAt: nowIso(now),
  };
}

export interface StoragePoint {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  /** The versions existing at the end of the day, as full copies. */
  logicalBytes: number;
  /** The blobs still kept that were stored by the end of the day. */
  storedBytes: number;
}

/** Per-day sums of a size column (by the day of CreatedAt). Exposed for the EXPLAIN tests. */
export function buildDailySumQueries(db: AuraDb) {
  const versionDay = sql<string>`substr(${projectVersions.createdAt}, 1, 10)`;
  const blobDay = sql<string>`substr(${contentBlobs.createdAt}, 1, 10)`;
  return {
    versions: db
      .select({ day: versionDay, bytes: sql<number>`sum(${projectVersions.storageSizeBytes})` })
      .from(projectVersions)
      .groupBy(versionDay),
    blobs: db
      .select({ day: blobDay, bytes: sql<number>`sum(${contentBlobs.sizeBytes})` })
      .from(contentBlobs)
      .groupBy(blobDay),
  };
}

/**
 * Logical vs stored bytes at the end of each of the last `days` days, derived from the rows'
 * CreatedAt: versions and blobs that exist now, counted from the day they were written. (A version
 * purged or a blob collected since no longer counts on any day: the series shows how what is kept
 * today grew, not what was on disk then.)
 */
export function storageHistory(
  db: AuraDb,
  query: StorageHistoryQuery,
  now: Date = new Date(),
): StoragePoint[] {
  const { versions, blobs } = buildDailySumQueries(db);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const days = Array.from({ length: query.days }, (_, i) =>
    new Date(today - (query.days - 1 - i) * DAY_MS).toISOString().slice(0, 10),
  );
  const cumulative = (rows: { day: string; bytes: number }[]) => {
    const sorted = [...rows].sort((a, b) => a.day.localeCompare(b.day));
    let index = 0;
    let total = 0;
    return days.map((day) => {
      while (index < sorted.length && (sorted[index]?.day ?? '') <= day) {
        total += sorted[index]?.bytes ?? 0;
        index += 1;
      }
      return total;
    });
  };
  const logical = cumulative(versions.all());
  const stored = cumulative(blobs.all());
  return days.map((day, i) => ({
    day,
    logicalBytes: logical[i] ?? 0,
    storedBytes: stored[i] ?? 0,
  }));
}

export interface LargestHistory {
  projectId: string;
  /** Null when the project row is gone (purged) but versions are not yet. */
  title: string | null;
  isDeleted: boolean;
  versions: number;
  logicalBytes: number;
}

/** The per-project sums, largest first. Exposed for the EXPLAIN tests. */
export function buildLargestQuery(db: AuraDb, limit: number) {
  const total = sql<number>`sum(${projectVersions.storageSizeBytes})`;
  return db
    .select({
      projectId: projectVersions.projectId,
      versions: sql<number>`count(*)`,
      logicalBytes: total,
    })
    .from(projectVersions)
    .groupBy(projectVersions.projectId)
    .orderBy(desc(total), asc(projectVersions.projectId))
    .limit(limit);
}

/** The projects with the largest version histories (logical bytes of their versions). */
export function largestHistories(db: AuraDb, query: StorageLargestQuery): LargestHistory[] {
  const rows = buildLargestQuery(db, query.limit).all();
  const ids = rows.map((r) => r.projectId);
  const projects = new Map(
    (ids.length === 0
      ? []
      : db
          .select({
            id: projectStates.id,
            title: projectStates.title,
            isDeleted: projectStates.isDeleted,
          })
          .from(projectStates)
          .where(inArray(projectStates.id, ids))
          .all()
    ).map((p) => [p.id, p]),
  );
  return rows.map((row) => ({
    ...row,
    title: projects.get(row.projectId)?.title ?? null,
    isDeleted: projects.get(row.projectId)?.isDeleted ?? true,
  }));
}

export interface AwaitingBlob {
  contentHash: string;
  contentType: string;
  sizeBytes: number;
  lastReferencedAt: string;
  /** When the grace period ends and the collector may remove it. */
  collectableAt: string;
  collectableNow: boolean;
}

type AwaitingRow = Omit<AwaitingBlob, 'collectableAt' | 'collectableNow'>;

/** The longest unreferenced first: LastReferencedAt asc, then ContentHash. */
const awaitingOrder = keyset<AwaitingRow>('blobsAwaiting', [
  { column: contentBlobs.lastReferencedAt, direction: 'asc', of: (row) => row.lastReferencedAt },
  { column: contentBlobs.contentHash, direction: 'asc', of: (row) => row.contentHash },
]);

/** The awaiting list (limit + 1 rows), without the content. Exposed for the EXPLAIN tests. */
export function buildAwaitingQuery(db: AuraDb, query: StorageAwaitingQuery) {
  return db
    .select({
      contentHash: contentBlobs.contentHash,
      contentType: contentBlobs.contentType,
      sizeBytes: contentBlobs.sizeBytes,
      lastReferencedAt: contentBlobs.lastReferencedAt,
    })
    .from(contentBlobs)
    .where(and(unreferenced, awaitingOrder.after(query.cursor)))
    .orderBy(...awaitingOrder.orderBy)
    .limit(query.limit + 1);
}

function withGrace(row: AwaitingRow, graceMinutes: number, now: Date): AwaitingBlob {
  const at = Date.parse(row.lastReferencedAt) + graceMinutes * MINUTE_MS;
  return { ...row, collectableAt: nowIso(new Date(at)), collectableNow: at < now.getTime() };
}

/** One page of the blobs awaiting collection, each with the end of its grace period. */
export function awaitingCollection(
  db: AuraDb,
  query: StorageAwaitingQuery,
  now: Date = new Date(),
): Page<AwaitingBlob> & { graceMinutes: number } {
  const graceMinutes = graceMinutesOf(db);
  const page = awaitingOrder.page(buildAwaitingQuery(db, query).all(), query.limit);
  return {
    graceMinutes,
    nextCursor: page.nextCursor,
    items: page.items.map((row) => withGrace(row, graceMinutes, now)),
  };
}

/** Blobs listed by a dry run at most (the totals count them all). */
export const COLLECT_PREVIEW_MAX = 100;

export interface CollectNowResult {
  dryRun: boolean;
  graceMinutes: number;
  /** Past the grace period when the call started. */
  collectable: number;
  collectableBytes: number;
  removed: number;
  /** A dry run: what would go (the first COLLECT_PREVIEW_MAX); empty after a real run. */
  wouldRemove: AwaitingBlob[];
}

/**
 * Collects the unreferenced blobs past the grace period of the setting
 * Retention.BlobGraceMinutes (the worker's rule) now; a dry run lists them and removes nothing.
 */
export function collectNow(
  db: AuraDb,
  input: StorageCollectInput,
  now: Date = new Date(),
): CollectNowResult {
  const graceMinutes = graceMinutesOf(db);
  const result = collectBlobs(db, {
    dryRun: input.dryRun,
    graceMs: graceMinutes * MINUTE_MS,
    now,
  });
  const wouldRemove = input.dryRun
    ? db
        .select({
          contentHash: contentBlobs.contentHash,
          contentType: contentBlobs.contentType,
          sizeBytes: contentBlobs.sizeBytes,
          lastReferencedAt: contentBlobs.lastReferencedAt,
        })
        .from(contentBlobs)
        .where(and(unreferenced, lt(contentBlobs.lastReferencedAt, graceCutoff(graceMinutes, now))))
        .orderBy(...awaitingOrder.orderBy)
        .limit(COLLECT_PREVIEW_MAX)
        .all()
        .map((row) => withGrace(row, graceMinutes, now))
    : [];
  return {
    dryRun: result.dryRun,
    graceMinutes,
    collectable: result.collectable,
    collectableBytes: result.collectableBytes,
    removed: result.removed,
    wouldRemove,
  };
}
