#!/usr/bin/env node
/**
 * `npm run up`: the one command that takes a fresh clone (only Node 20 and npm needed) to a
 * running system: install (pnpm 10 through npx when it is not installed), create and migrate the
 * database, build, then start the dashboard + API and the worker together.
 *   --install-only   install when needed and stop (used before the tests)
 *   --no-start       install, migrate and build, but do not start
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const args = new Set(process.argv.slice(2));
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const pnpmVersion = manifest.packageManager.split('@')[1];
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};

const localBin = path.join(root, 'node_modules', '.bin');
// turbo runs each package's script through pnpm, so pnpm must be on the PATH of every child:
// the workspace's own copy (a root devDependency) once installed.
env.PATH = `${localBin}${path.delimiter}${env.PATH ?? ''}`;

/** pnpm 10: the installed one, else the workspace's copy, else fetched once through npx. */
function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], {
    encoding: 'utf8',
    env,
    shell: process.platform === 'win32',
  });
  if (probe.status === 0 && probe.stdout.trim().startsWith('10.')) return ['pnpm'];
  return ['npx', '-y', `pnpm@${pnpmVersion}`];
}

let pnpm = pnpmCommand();

function step(title, pnpmArgs) {
  console.log(`\n▶ ${title}: ${[...pnpm, ...pnpmArgs].join(' ')}`);
  const result = spawnSync(pnpm[0], [...pnpm.slice(1), ...pnpmArgs], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(`\n✘ ${title} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

function installIsCurrent() {
  const marker = path.join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return false;
  return statSync(marker).mtimeMs >= statSync(path.join(root, 'pnpm-lock.yaml')).mtimeMs;
}

if (!args.has('--install-only') || !installIsCurrent()) {
  step('Installing dependencies', ['install', '--frozen-lockfile']);
  pnpm = pnpmCommand();
}
if (args.has('--install-only')) process.exit(0);

step('Creating / migrating the database', ['db:migrate']);
step('Building', ['build']);
if (args.has('--no-start')) process.exit(0);

const port = env.AURA_WEB_PORT || '3000';
console.log(
  `\n▶ Starting the dashboard + API (http://localhost:${port}, API at /api/trpc) and the worker. Ctrl+C stops both.\n`,
);
// Its own process group, so a stop signal reaches every process under it (pnpm, turbo, the
// web server and the worker), not only the first one.
const child = spawn(pnpm[0], [...pnpm.slice(1), 'start'], {
  cwd: root,
  env,
  stdio: 'inherit',
  detached: true,
});
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\n▶ Stopping the web server and the worker…');
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  });
}
child.on('exit', (code) => process.exit(stopping ? 0 : (code ?? 1)));
