import { createHash } from 'node:crypto';
import {
  SYSTEM_ACTOR,
  auditedSet,
  auditedUpdateWhere,
  preparedPerShape,
  prepareSelect,
  contentBlobs,
  nowIso,
  insertAuditedWithoutReturn,
  type Actor,
  type AuraDb,
} from '@aura/db';
import { inArray, sql } from 'drizzle-orm';

/**
 * Content-addressed storage: every piece of version content is stored once in ContentBlobs,
 * keyed by the SHA-256 of its canonical JSON (keys sorted, no whitespace), so equal content
 * from any project or version is one row.
 *
 * Reference counting is by closure: ReferenceCount is the number of versions (live or in the
 * trash, not purged) whose content includes the blob. A version holds one reference on each blob
 * it needs to be read back: its documents, its timeline blob and that timeline's delta bases, and
 * every scene blob of its timeline. Creating a version adds them; purging it releases the same set.
 */

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Reads stored JSON text back. JSON.parse can only yield JSON values, so this typing is exact;
 * walking a megabyte of spec with a schema would cost ten times the parse for nothing. Content
 * of a known shape (scenes, timelines, row images) is parsed with its Zod schema instead.
 */
export const parseJson: (text: string) => JsonValue = JSON.parse;

/** JSON with object keys sorted at every level: equal values give equal text, hence equal hashes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Content prepared for storage: canonical text, its hash and size in bytes. */
export interface PreparedBlob {
  hash: string;
  text: string;
  size: number;
  contentType: string;
}

export function prepareBlob(contentType: string, value: unknown): PreparedBlob {
  const text = canonicalJson(value);
  return { hash: sha256(text), text, size: Buffer.byteLength(text), contentType };
}

/** Inserts the blobs that do not exist yet (ReferenceCount 0). Returns the hashes it created. */
export function storeBlobs(
  tx: AuraDb,
  blobs: PreparedBlob[],
  actor: string | null,
  now = nowIso(),
): string[] {
  const unique = [...new Map(blobs.map((b) => [b.hash, b])).values()];
  // One look-up for all: most blobs of a new version (documents, unchanged scenes) exist already.
  const existing = new Set(
    storedHashes(tx, null)
      .all({ hashes: JSON.stringify(unique.map((b) => b.hash)) })
      .map((row) => row.hash),
  );
  const created: string[] = [];
  for (const blob of unique) {
    if (existing.has(blob.hash)) continue;
    insertAuditedWithoutReturn(
      tx,
      contentBlobs,
      {
        contentHash: blob.hash,
        content: blob.text,
        contentType: blob.contentType,
        sizeBytes: blob.size,
        referenceCount: 0,
        lastReferencedAt: now,
      },
      actor,
      now,
    );
    created.push(blob.hash);
  }
  return created;
}

const BATCH = 500;

// Every version stores and references a few hundred blobs (its scenes): the two statements are
// prepared once per connection and take the hashes as one JSON array (no batches, no SQL to
// build), as a few hundred placeholders compiled on every call cost more than running them.
const hashInList = sql`${contentBlobs.contentHash} IN (SELECT value FROM json_each(${sql.placeholder('hashes')}))`;

const storedHashes = preparedPerShape(
  () => 'stored',
  (db) =>
    prepareSelect(
      db.select({ hash: contentBlobs.contentHash }).from(contentBlobs).where(hashInList),
    ),
);

const addReference = preparedPerShape(
  () => 'add',
  (db) =>
    db
      .update(contentBlobs)
      .set(
        auditedSet(
          contentBlobs,
          {
            referenceCount: sql`${contentBlobs.referenceCount} + 1`,
            lastReferencedAt: sql`${sql.placeholder('now')}`,
          },
          sql`${sql.placeholder('actor')}`,
          sql`${sql.placeholder('now')}`,
        ),
      )
      .where(hashInList)
      .prepare(),
);

function inBatches(hashes: Iterable<string>, work: (batch: string[]) => void): void {
  const all = [...new Set(hashes)];
  for (let i = 0; i < all.length; i += BATCH) work(all.slice(i, i + BATCH));
}

/**
 * One more reference on each blob (a version now includes it). Reference counts are bookkeeping:
 * without an `actor` the change is stamped as the system's.
 */
export function addReferences(
  tx: AuraDb,
  hashes: Iterable<string>,
  now = nowIso(),
  actor: Actor = SYSTEM_ACTOR,
): void {
  const unique = [...new Set(hashes)];
  const updated = addReference(tx, null).run({
    hashes: JSON.stringify(unique),
    now,
    actor,
  }).changes;
  if (updated !== unique.length) {
    // A broken store, not a caller's mistake: an internal error.
    throw new Error('A referenced content blob is missing');
  }
}

/** One reference fewer on each blob (a version that included it was purged). */
export function releaseReferences(
  tx: AuraDb,
  hashes: Iterable<string>,
  now = nowIso(),
  actor: Actor = SYSTEM_ACTOR,
): void {
  inBatches(hashes, (batch) => {
    auditedUpdateWhere(
      tx,
      contentBlobs,
      inArray(contentBlobs.contentHash, batch),
      { referenceCount: sql`${contentBlobs.referenceCount} - 1` },
      actor,
      now,
    );
  });
}

/** Blob texts already read in one operation (blobs never change, so this is always safe). */
export type BlobCache = Map<string, string>;

/** Reads blobs by hash; a missing one is a broken store (reported, never guessed). */
export function readBlobs(
  db: AuraDb,
  hashes: Iterable<string>,
  cache?: BlobCache,
): Map<string, string> {
  const out = new Map<string, string>();
  const wanted = [...new Set(hashes)];
  const missing = wanted.filter((hash) => {
    const cached = cache?.get(hash);
    if (cached !== undefined) out.set(hash, cached);
    return cached === undefined;
  });
  inBatches(missing, (batch) => {
    for (const row of db
      .select({ hash: contentBlobs.contentHash, content: contentBlobs.content })
      .from(contentBlobs)
      .where(inArray(contentBlobs.contentHash, batch))
      .all())
      out.set(row.hash, row.content);
  });
  if (cache)
    for (const hash of missing) {
      const text = out.get(hash);
      if (text !== undefined) cache.set(hash, text);
    }
  for (const hash of wanted) {
    if (!out.has(hash)) throw new Error(`Content blob ${hash} is missing`);
  }
  return out;
}

export function readBlob(db: AuraDb, hash: string, cache?: BlobCache): string {
  const text = readBlobs(db, [hash], cache).get(hash);
  if (text === undefined) throw new Error(`Content blob ${hash} is missing`);
  return text;
}
