/**
 * `pnpm bench`: the version-history benchmark (versions.ts), then the reads (run.ts), with the
 * options given once. A package script `a && b` would hand the arguments to `b` only.
 *
 *   pnpm bench [--scale 100] [--iterations n] [--rounds 3] [--warmup n] [--seed n] [--db file]
 *              [--autosaves 500]
 *
 * `--iterations` applies to both (versions.ts defaults to 200 calls, run.ts to 2,000);
 * `--autosaves` to versions.ts only; the rest to run.ts only.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    scale: { type: 'string' },
    iterations: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    seed: { type: 'string' },
    db: { type: 'string' },
    autosaves: { type: 'string' },
  },
  strict: true,
  allowPositionals: false,
});

const flags = (names: (keyof typeof values)[]): string[] =>
  names.flatMap((name) => {
    const value = values[name];
    return value === undefined ? [] : [`--${name}`, value];
  });

const dir = path.dirname(fileURLToPath(import.meta.url));
/** Runs a sibling script with this process's Node and loader (tsx); stops at the first failure. */
function run(script: string, args: string[]): void {
  const result = spawnSync(
    process.execPath,
    [...process.execArgv, path.join(dir, script), ...args],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    console.error(`${script} failed (${result.signal ?? `exit code ${String(result.status)}`})`);
    process.exit(result.status ?? 1);
  }
}

run('versions.ts', flags(['iterations', 'autosaves']));
run('run.ts', flags(['scale', 'iterations', 'rounds', 'warmup', 'seed', 'db']));
