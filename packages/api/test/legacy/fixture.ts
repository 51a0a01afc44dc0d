import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The legacy database generator: the shared fixture's make-legacy-db.py (Python 3 standard
 * library only), kept with the project's shared specification beside the checkout, not copied into
 * it. Each test builds its files at run time; none is committed.
 */
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');
export const GENERATOR = path.join(
  REPO_ROOT,
  '..',
  'shared',
  'fixtures',
  'legacy-aura',
  'make-legacy-db.py',
);
if (!existsSync(GENERATOR)) {
  throw new Error(
    `The legacy fixture generator is missing: expected shared/fixtures/legacy-aura/make-legacy-db.py beside the repository (${GENERATOR})`,
  );
}

export type JournalMode = 'wal' | 'delete';

export function makeLegacyDb(
  dir: string,
  { seed, journalMode = 'wal', name }: { seed: number; journalMode?: JournalMode; name?: string },
): string {
  const out = path.join(dir, name ?? `legacy-${seed}-${journalMode}.db`);
  execFileSync(
    'python3',
    [GENERATOR, '--out', out, '--seed', String(seed), '--journal-mode', journalMode],
    { stdio: 'pipe' },
  );
  return out;
}

/** SHA-256 of a file's bytes (only for files no connection of this process has open). */
export function fileDigest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
