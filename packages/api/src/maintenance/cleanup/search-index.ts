import { mergeSearchIndexes, type AuraDb } from '@aura/db';
import { lockFigures, type WriteLockStats } from './shared';

export interface SearchIndexMergeResult extends WriteLockStats {
  /** Merge steps that did work; 0 when every index was already one segment. */
  steps: number;
  /** False when the run's step budget ran out first; the next run goes on. */
  done: boolean;
}

/**
 * Keeps the full-text index compact (see mergeSearchIndexes): each step merges a few leaf pages
 * in its own IMMEDIATE transaction, so API writes wait at most one short step.
 */
export function mergeSearchIndex(
  db: AuraDb,
  options: { pagesPerStep?: number; maxSteps?: number } = {},
): SearchIndexMergeResult {
  const { steps, done, lockMs, maxLockCpuMs } = mergeSearchIndexes(db.$client, options);
  return { steps, done, ...lockFigures({ durationsMs: lockMs, maxCpuMs: maxLockCpuMs }) };
}
