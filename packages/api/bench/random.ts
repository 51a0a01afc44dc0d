/**
 * Deterministic randomness for the data generator: a seeded PRNG (mulberry32) and the helpers
 * built on it, so the same seed and scale always give the same database content.
 */

export type Rng = () => number;

/** mulberry32: a tiny, fast 32-bit PRNG with a good enough distribution for test data. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max], both inclusive. */
export function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/**
 * A picker of the keys of `weights`, each with probability proportional to its weight (the
 * cumulative table is built once: the generator calls pickers millions of times).
 */
export function weighted<K extends string>(weights: Readonly<Record<K, number>>): (rng: Rng) => K {
  const keys = Object.keys(weights) as K[];
  const cumulative: number[] = [];
  let total = 0;
  for (const key of keys) {
    total += weights[key];
    cumulative.push(total);
  }
  return (rng) => {
    const r = rng() * total;
    for (let i = 0; i < keys.length; i++) if (r < cumulative[i]!) return keys[i]!;
    return keys[keys.length - 1]!;
  };
}

/** A seed for the named stream: each table draws from its own, so parts can run in any order. */
export function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

const HEX = '0123456789abcdef';

/** `n` random hex digits. */
export function hex(rng: Rng, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += HEX[Math.floor(rng() * 16)];
  return out;
}

/**
 * A UUIDv7 (RFC 9562: 48-bit Unix ms timestamp, version 7, variant 10, random rest), the same
 * format as `newId()` from @aura/db, but with the timestamp of the row's CreatedAt and the random
 * bits from the seeded PRNG: ids are reproducible and sort like the rows were created, as in
 * production where newId() runs at insert time.
 */
export function uuidv7At(rng: Rng, ms: number): string {
  const ts = Math.floor(ms).toString(16).padStart(12, '0');
  const variant = HEX[8 + Math.floor(rng() * 4)];
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${hex(rng, 3)}-${variant}${hex(rng, 3)}-${hex(rng, 12)}`;
}
