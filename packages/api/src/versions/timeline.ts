import type { AuraDb } from '@aura/db';
import { z } from 'zod';
import { prepareBlob, readBlob, type BlobCache, type PreparedBlob } from './content';

/**
 * A version's timeline: the project's scenes in order, each scene's content in its own blob.
 *
 * So that storage grows with what changed rather than with the project's size, a timeline blob
 * is either full (every scene id with its content hash) or a delta on an earlier timeline blob
 * (the scenes whose content changed or that were added, the ids removed, and the new order when
 * it changed). A new full timeline is written when the chain's deltas together would outweigh
 * two full ones, or when the chain gets long: that bounds both the storage the deltas cost and
 * the number of blobs read to get a version back.
 */

export const TIMELINE_FORMAT = 'aura.timeline/1';
const MAX_CHAIN_LENGTH = 200;
/** A chain may outweigh one full timeline this many times before a new full one is written. */
const MAX_CHAIN_WEIGHT = 2;

/** [scene id, scene content hash] in scene order. */
export type TimelineEntries = [string, string][];

const fullTimelineSchema = z.object({
  format: z.literal(TIMELINE_FORMAT),
  scenes: z.array(z.tuple([z.string(), z.string()])),
});

const deltaTimelineSchema = z.object({
  format: z.literal(TIMELINE_FORMAT),
  base: z.string(),
  set: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
  order: z.array(z.string()).optional(),
});

type FullTimeline = z.output<typeof fullTimelineSchema>;
type DeltaTimeline = z.output<typeof deltaTimelineSchema>;

/** A stored timeline blob: a delta names its base, a full one lists the scenes. */
const timelineBlobSchema = z.union([deltaTimelineSchema, fullTimelineSchema]);

export interface DecodedTimeline {
  hash: string;
  entries: TimelineEntries;
  /** This timeline blob and every base it depends on. */
  chain: string[];
  /** Deltas between this timeline and the full one it starts from. */
  depth: number;
  /** Bytes of those deltas together. */
  chainBytes: number;
}

/**
 * Decoded timelines by hash (blobs are immutable, so an entry is always right): the next version
 * of a project starts from the previous one's timeline without re-reading its delta chain.
 */
const decodedCache = new Map<string, DecodedTimeline>();
const DECODED_CACHE_SIZE = 64;

/** Reads a timeline back, following its delta chain to the nearest full timeline. */
export function decodeTimeline(db: AuraDb, hash: string, cache?: BlobCache): DecodedTimeline {
  const known = decodedCache.get(hash);
  if (known) return known;
  const decoded = decodeTimelineChain(db, hash, cache);
  rememberTimeline(decoded);
  return decoded;
}

/**
 * Keeps a timeline just written as decoded, so the project's next version starts from it
 * without reading its delta chain back (up to MAX_CHAIN_LENGTH blobs, each parsed). Keyed by
 * content hash, so the entry is right whatever happens to the transaction that wrote it.
 */
export function rememberTimeline(decoded: DecodedTimeline): void {
  decodedCache.delete(decoded.hash);
  decodedCache.set(decoded.hash, decoded);
  if (decodedCache.size > DECODED_CACHE_SIZE)
    for (const oldest of decodedCache.keys()) {
      decodedCache.delete(oldest);
      break;
    }
}

function decodeTimelineChain(db: AuraDb, hash: string, cache?: BlobCache): DecodedTimeline {
  // The deltas from `hash` back to the full timeline they start from, newest first.
  const deltas: DeltaTimeline[] = [];
  const chain: string[] = [];
  let chainBytes = 0;
  let next = hash;
  let full: FullTimeline | undefined;
  while (!full) {
    const text = readBlob(db, next, cache);
    const blob = timelineBlobSchema.parse(JSON.parse(text));
    chain.push(next);
    if ('base' in blob) {
      chainBytes += Buffer.byteLength(text);
      deltas.push(blob);
      next = blob.base;
    } else full = blob;
  }
  let order = full.scenes.map(([id]) => id);
  const hashes = new Map(full.scenes);
  for (const delta of deltas.reverse()) {
    for (const id of delta.remove ?? []) hashes.delete(id);
    for (const [id, sceneHash] of Object.entries(delta.set ?? {})) hashes.set(id, sceneHash);
    order = delta.order ?? order.filter((id) => hashes.has(id));
  }
  return {
    hash,
    entries: order.map((id): [string, string] => {
      const sceneHash = hashes.get(id);
      // A broken store, not a caller's mistake: an internal error.
      if (sceneHash === undefined) throw new Error(`Timeline ${hash} orders a scene it lacks`);
      return [id, sceneHash];
    }),
    chain,
    depth: deltas.length,
    chainBytes,
  };
}

export function sameEntries(a: TimelineEntries, b: TimelineEntries): boolean {
  return (
    a.length === b.length &&
    a.every(([id, h], i) => {
      const other = b[i];
      return other?.[0] === id && other[1] === h;
    })
  );
}

export interface EncodedTimeline {
  blob: PreparedBlob;
  /** The new blob and every base it depends on: what a version using it must reference. */
  chain: string[];
  /** What decodeTimeline returns for the new blob. */
  decoded: DecodedTimeline;
}

/** The timeline blob for `entries`: a delta on `previous` when that is worth it, else full. */
export function encodeTimeline(
  entries: TimelineEntries,
  previous: DecodedTimeline | null,
): EncodedTimeline {
  const full = prepareBlob('Timeline', {
    format: TIMELINE_FORMAT,
    scenes: entries,
  } satisfies FullTimeline);
  const asFull = {
    blob: full,
    chain: [full.hash],
    decoded: { hash: full.hash, entries, chain: [full.hash], depth: 0, chainBytes: 0 },
  };
  if (!previous || previous.depth + 1 > MAX_CHAIN_LENGTH) return asFull;

  const before = new Map(previous.entries);
  const after = new Map(entries);
  const set: Record<string, string> = {};
  for (const [id, sceneHash] of entries) if (before.get(id) !== sceneHash) set[id] = sceneHash;
  const remove = previous.entries.map(([id]) => id).filter((id) => !after.has(id));
  const survivingOrder = previous.entries.map(([id]) => id).filter((id) => after.has(id));
  const orderUnchanged =
    survivingOrder.length === entries.length &&
    survivingOrder.every((id, i) => entries[i]?.[0] === id);

  const delta = prepareBlob('Timeline', {
    format: TIMELINE_FORMAT,
    base: previous.hash,
    ...(Object.keys(set).length > 0 ? { set } : {}),
    ...(remove.length > 0 ? { remove } : {}),
    ...(orderUnchanged ? {} : { order: entries.map(([id]) => id) }),
  } satisfies DeltaTimeline);
  if (previous.chainBytes + delta.size > MAX_CHAIN_WEIGHT * full.size) return asFull;
  const chain = [delta.hash, ...previous.chain];
  return {
    blob: delta,
    chain,
    decoded: {
      hash: delta.hash,
      entries,
      chain,
      depth: previous.depth + 1,
      chainBytes: previous.chainBytes + delta.size,
    },
  };
}
