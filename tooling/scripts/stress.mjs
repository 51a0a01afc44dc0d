#!/usr/bin/env node
/**
 * `pnpm stress` (not part of `npm test`, several minutes): the long adversarial runs, one after
 * another, each printing its figures:
 *   1. HTTP lost-update detector and crash rounds (apps/worker/test/adversarial/stress.ts;
 *      --clients 32 --seconds 60 --rounds 100 --projects 8 by default)
 *   2. the procedure fuzz (packages/api/test/adversarial/fuzz-run.ts, --calls 100000)
 * Options are passed on: e.g. `pnpm stress --seconds 20 --rounds 30 --calls 20000`.
 * Exits 1 when any part found a lost write, an internal error or a failed property.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);

/** The value of --name among the arguments, else the fallback. */
function option(name, fallback) {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
}

/** Runs a TypeScript entry point with tsx as a loader, in its package; returns whether it passed. */
function run(title, packageDir, file, fileArgs) {
  console.log(`\n== ${title}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...fileArgs], {
    cwd: path.join(root, packageDir),
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  return result.status === 0;
}

const started = Date.now();
const results = [];
const stressArgs = ['clients', 'seconds', 'rounds', 'projects'].flatMap((name) => {
  const value = option(name, undefined);
  return value === undefined ? [] : [`--${name}`, value];
});
results.push([
  'HTTP clients and crash rounds',
  run(
    'HTTP clients with a lost-update detector, then SIGKILL rounds',
    'apps/worker',
    'test/adversarial/stress.ts',
    stressArgs,
  ),
]);

const fuzz = 'test/adversarial/fuzz-run.ts';
if (existsSync(path.join(root, 'packages', 'api', fuzz))) {
  results.push([
    'fuzz',
    run('Fuzz of every procedure', 'packages/api', fuzz, ['--calls', option('calls', '100000')]),
  ]);
} else {
  console.log(`\n== Fuzz: skipped (packages/api/${fuzz} is not there)`);
}

console.log(`\n== stress summary (${((Date.now() - started) / 1000).toFixed(0)} s)`);
for (const [name, ok] of results) console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${name}`);
process.exitCode = results.every(([, ok]) => ok) ? 0 : 1;
