import { jobRuns, type AuraDb } from '@aura/db';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';

/** The worker job that runs checkIntegrity; its JobRuns rows are "the last verify". */
export const INTEGRITY_JOB = 'integrity';
const PROBLEMS_MAX = 20;

export interface IntegrityResult {
  ok: boolean;
  problems: string[];
  durationMs: number;
}

/**
 * SQLite's quick_check on the live connection (asked of SQLite, never read through the file
 * system): the b-trees, free lists and NOT NULL/CHECK constraints, without the slower index
 * cross-check of integrity_check. In WAL mode it reads a snapshot and blocks no writer.
 */
export function checkIntegrity(db: AuraDb): IntegrityResult {
  const began = Date.now();
  const rows = z
    .array(z.object({ quick_check: z.string() }))
    .parse(db.$client.pragma(`quick_check(${PROBLEMS_MAX})`));
  const problems = rows.map((r) => r.quick_check).filter((text) => text !== 'ok');
  return { ok: problems.length === 0, problems, durationMs: Date.now() - began };
}

export interface LastIntegrityCheck {
  at: string;
  ok: boolean;
  durationMs: number;
  error: string | null;
}

/** The newest recorded run of the worker's integrity job, or null when none ran yet. */
export function lastIntegrityCheck(db: AuraDb): LastIntegrityCheck | null {
  const row = db
    .select()
    .from(jobRuns)
    .where(and(eq(jobRuns.jobName, INTEGRITY_JOB)))
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
    .limit(1)
    .get();
  if (!row) return null;
  return {
    at: row.startedAt,
    ok: row.status === 'Succeeded',
    durationMs: row.durationMs,
    error: row.errorMessage,
  };
}
