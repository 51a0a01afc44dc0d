/**
 * Fuzz of every procedure from its Zod input (see fuzz.ts): at least 10,000 calls as admin,
 * editor, viewer and nobody; no internal error, role violation, escape or rejected call that wrote. Deterministic: the seed is fixed
 * (AURA_FUZZ_SEED overrides it) and printed with any failure, with the shrunk input.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFuzz } from './fuzz';
import { createWorldSite, type WorldSite } from './world';

const SEED = Number(process.env.AURA_FUZZ_SEED ?? 20_261_130);
const CALLS = 10_000;

let site: WorldSite;
beforeAll(async () => {
  site = await createWorldSite();
});
afterAll(() => site.dispose());

it(`every procedure, ${CALLS} generated inputs: no internal error, role violation or escape; a rejection changes nothing`, async () => {
  const report = await runFuzz({ site, calls: CALLS, seed: SEED });
  expect(report.failures, `seed ${SEED}`).toEqual([]);
  const { internalErrors, roleViolations, escapes, rejectedWrites } = report;
  expect({ internalErrors, roleViolations, escapes, rejectedWrites }).toEqual({
    internalErrors: 0,
    roleViolations: 0,
    escapes: 0,
    rejectedWrites: 0,
  });
  expect(report.calls).toBeGreaterThanOrEqual(CALLS);
  // Both outcomes are exercised: valid inputs get through, hostile ones are refused.
  expect(report.rejected).toBeGreaterThan(0);
  expect(report.rejected).toBeLessThan(report.calls);
}, 180_000);
