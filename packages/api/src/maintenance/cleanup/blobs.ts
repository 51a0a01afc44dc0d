import type { AuraDb } from '@aura/db';
import { collectBlobs } from '../../versions/service';
import { MINUTE_MS } from '../settings';
import {
  batchSizeOf,
  lockFigures,
  meterWrites,
  settingsOf,
  type CleanupOptions,
  type WriteLockStats,
} from './shared';

export interface BlobCollection extends WriteLockStats {
  graceMinutes: number;
  /** Blobs at zero references for longer than the grace period when the run started. */
  collectable: number;
  collectableBytes: number;
  removed: number;
}

/**
 * Content blobs no version references, unreferenced for longer than Retention.BlobGraceMinutes,
 * removed by the versions service (collectBlobs: batches of its own, and a refusal when the counts
 * are evidently broken, which fails the job loudly).
 */
export function collectUnreferencedBlobs(db: AuraDb, options: CleanupOptions = {}): BlobCollection {
  const graceMinutes = settingsOf(db, options)['Retention.BlobGraceMinutes'];
  const { db: metered, stats } = meterWrites(db);
  const result = collectBlobs(metered, {
    graceMs: graceMinutes * MINUTE_MS,
    now: options.now,
    batchSize: batchSizeOf(options),
  });
  return {
    graceMinutes,
    collectable: result.collectable,
    collectableBytes: result.collectableBytes,
    removed: result.removed,
    ...lockFigures(stats),
  };
}
