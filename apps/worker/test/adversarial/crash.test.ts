import { afterEach, describe, expect, it } from 'vitest';
import { crashRounds } from './crash';
import { removeSetup, setupDatabase, type Setup } from './helpers';

/**
 * kill -9 of a writer at random points, AURA_CRASH_ROUNDS times (default 20): after every round
 * the file verifies and holds every acknowledged write. `pnpm stress` runs 100 rounds.
 */

const ROUNDS = Number(process.env.AURA_CRASH_ROUNDS ?? 20);

let setup: Setup | undefined;
afterEach(() => {
  removeSetup(setup);
  setup = undefined;
});

describe('a writer killed with SIGKILL at random points', () => {
  it(`loses no acknowledged write and leaves a sound file, ${ROUNDS} rounds`, async () => {
    setup = await setupDatabase('aura-crash-');
    const result = await crashRounds(setup, { rounds: ROUNDS });
    console.info(
      `crash: ${result.rounds} rounds, ${result.acknowledged} acknowledged writes, ${result.lost} lost, ${result.ms} ms`,
    );
    expect(result.problems).toEqual([]);
    expect(result.acknowledged).toBeGreaterThan(ROUNDS);
  }, 150_000);
});
