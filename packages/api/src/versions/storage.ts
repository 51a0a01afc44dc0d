import {
  PreconditionError,
  SYSTEM_ACTOR,
  auditedUpdateWhere,
  contentBlobs,
  nowIso,
  projectVersions,
  writeTransaction,
  type Actor,
  type AuraDb,
} from '@aura/db';
import { and, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { BlobCache } from './content';
import { versionClosure } from './snapshot';

/** Statistics and maintenance of the blob store: sizes, garbage collection, reference checks. */

export interface StorageStats {
  versions: number;
  /** What the versions would weigh stored separately. */
  logicalBytes: number;
  /** What their distinct blobs weigh. */
  storedBytes: number;
  /** logical / stored (1 when nothing is stored). */
  dedupRatio: number;
  perVersion: { id: string; versionNumber: number; logicalBytes: number; exclusiveBytes: number }[];
}

/** Storage of one project's versions, or of every version when no project is given. */
export function storageStats(db: AuraDb, projectId?: string): StorageStats {
  const rows = db
    .select()
    .from(projectVersions)
    .where(projectId ? eq(projectVersions.projectId, projectId) : undefined)
    .orderBy(desc(projectVersions.versionNumber))
    .all();
  const cache: BlobCache = new Map();
  const measured = rows.map((row) => ({ row, closure: versionClosure(db, row, cache) }));
  const all = new Set(measured.flatMap(({ closure }) => [...closure]));
  const sizes = new Map<string, { size: number; refs: number }>();
  const hashes = [...all];
  for (let i = 0; i < hashes.length; i += 500) {
    for (const blob of db
      .select({
        hash: contentBlobs.contentHash,
        size: contentBlobs.sizeBytes,
        refs: contentBlobs.referenceCount,
      })
      .from(contentBlobs)
      .where(inArray(contentBlobs.contentHash, hashes.slice(i, i + 500)))
      .all())
      sizes.set(blob.hash, { size: blob.size, refs: blob.refs });
  }
  const storedBytes = projectId
    ? [...all].reduce((n, h) => n + (sizes.get(h)?.size ?? 0), 0)
    : (db
        .select({ n: sql<number>`coalesce(sum(${contentBlobs.sizeBytes}), 0)` })
        .from(contentBlobs)
        .get()?.n ?? 0);
  const logicalBytes = rows.reduce((n, r) => n + r.storageSizeBytes, 0);
  return {
    versions: rows.length,
    logicalBytes,
    storedBytes,
    dedupRatio: storedBytes === 0 ? 1 : logicalBytes / storedBytes,
    perVersion: measured.map(({ row, closure }) => ({
      id: row.id,
      versionNumber: row.versionNumber,
      logicalBytes: row.storageSizeBytes,
      exclusiveBytes: [...closure].reduce((n, h) => {
        const blob = sizes.get(h);
        return n + (blob?.refs === 1 ? blob.size : 0);
      }, 0),
    })),
  };
}

export const DEFAULT_BLOB_GRACE_MS = 60 * 60 * 1000;

export interface CollectResult {
  dryRun: boolean;
  /** Blobs at zero references for longer than the grace period. */
  collectable: number;
  collectableBytes: number;
  removed: number;
}

/**
 * Removes blobs that no version references, once they have been unreferenced for the grace
 * period (a version being written in another process may be about to reference them). Refuses
 * when versions exist but no blob has a reference: the counts are broken, not the blobs unused.
 */
export function collectBlobs(
  db: AuraDb,
  options: { graceMs?: number; dryRun?: boolean; now?: Date; batchSize?: number } = {},
): CollectResult {
  const cutoff = nowIso(
    new Date((options.now ?? new Date()).getTime() - (options.graceMs ?? DEFAULT_BLOB_GRACE_MS)),
  );
  const versions =
    db
      .select({ n: sql<number>`count(*)` })
      .from(projectVersions)
      .get()?.n ?? 0;
  const references =
    db
      .select({ n: sql<number>`count(*)` })
      .from(contentBlobs)
      .where(gt(contentBlobs.referenceCount, 0))
      .get()?.n ?? 0;
  if (versions > 0 && references === 0) {
    throw new PreconditionError(
      `Refusing to collect: ${versions} version(s) exist but no blob has a reference. Run the reference check (versions.checkReferences) and fix the counts first.`,
    );
  }
  const collectable = and(
    eq(contentBlobs.referenceCount, 0),
    lt(contentBlobs.lastReferencedAt, cutoff),
  );
  const summary = db
    .select({
      n: sql<number>`count(*)`,
      bytes: sql<number>`coalesce(sum(${contentBlobs.sizeBytes}), 0)`,
    })
    .from(contentBlobs)
    .where(collectable)
    .get() ?? { n: 0, bytes: 0 };
  if (options.dryRun)
    return { dryRun: true, collectable: summary.n, collectableBytes: summary.bytes, removed: 0 };
  let removed = 0;
  const batchSize = options.batchSize ?? 500;
  // Small batches, each its own transaction, so other writers are never held up for long.
  for (;;) {
    const batch = writeTransaction(db, (tx) => {
      const hashes = tx
        .select({ hash: contentBlobs.contentHash })
        .from(contentBlobs)
        .where(collectable)
        .limit(batchSize)
        .all()
        .map((r) => r.hash);
      if (hashes.length > 0)
        tx.delete(contentBlobs)
          .where(and(inArray(contentBlobs.contentHash, hashes), collectable))
          .run();
      return hashes.length;
    });
    removed += batch;
    if (batch < batchSize) break;
  }
  return { dryRun: false, collectable: summary.n, collectableBytes: summary.bytes, removed };
}

export interface ReferenceCheck {
  blobs: number;
  versions: number;
  mismatches: { contentHash: string; recorded: number; expected: number }[];
  fixed: boolean;
}

/** Recomputes every blob's reference count from the versions; reports and, asked, fixes. */
export function checkReferenceCounts(
  db: AuraDb,
  options: { fix?: boolean; actor?: Actor } = {},
): ReferenceCheck {
  const run = (tx: AuraDb): ReferenceCheck => {
    const expected = new Map<string, number>();
    const cache: BlobCache = new Map();
    const versions = tx.select().from(projectVersions).all();
    for (const version of versions) {
      for (const hash of versionClosure(tx, version, cache))
        expected.set(hash, (expected.get(hash) ?? 0) + 1);
    }
    const blobs = tx
      .select({ hash: contentBlobs.contentHash, refs: contentBlobs.referenceCount })
      .from(contentBlobs)
      .all();
    const mismatches = blobs
      .filter((b) => (expected.get(b.hash) ?? 0) !== b.refs)
      .map((b) => ({ contentHash: b.hash, recorded: b.refs, expected: expected.get(b.hash) ?? 0 }));
    if (options.fix) {
      const at = nowIso();
      for (const m of mismatches) {
        auditedUpdateWhere(
          tx,
          contentBlobs,
          eq(contentBlobs.contentHash, m.contentHash),
          { referenceCount: m.expected },
          options.actor ?? SYSTEM_ACTOR,
          at,
        );
      }
    }
    return {
      blobs: blobs.length,
      versions: versions.length,
      mismatches,
      fixed: Boolean(options.fix) && mismatches.length > 0,
    };
  };
  // A fix writes; a check only needs a consistent read, which a transaction also gives.
  return writeTransaction(db, run);
}
