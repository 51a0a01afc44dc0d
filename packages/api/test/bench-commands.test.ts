/**
 * Every bench command the READMEs document runs as written: `pnpm bench` through turbo, the
 * package's own `pnpm bench` with options, and the scripts run alone through `pnpm exec tsx`.
 * Each runs on a tiny scale (the documented scale and iteration counts are swapped for
 * `--scale 0.01` and a few iterations, added when the command has none), with its database and
 * results in a temporary folder. Only that the commands run is checked here, never timings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workspaceRoot } from '@aura/db';
import { afterAll, describe, expect, it } from 'vitest';

const root = workspaceRoot();
const dir = mkdtempSync(path.join(tmpdir(), 'aura-bench-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Shell commands in the Markdown (fenced blocks and inline code) that run a bench. */
function documentedCommands(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const candidates = [
    ...[...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? '').split('\n')),
    ...[...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? ''),
  ];
  return candidates
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => /^(cd \S+ && )?pnpm\b/.test(line))
    .filter((line) => /\bpnpm bench\b(?!:)|\bbench\/\w+\.ts\b/.test(line));
}

const SMALL = { scale: '0.01', iterations: '20', autosaves: '10' };

/** The same command on a tiny scale: documented values swapped, missing ones added. */
function tiny(command: string): string {
  const runsVersions = /\bpnpm bench\b|bench\/versions\.ts/.test(command);
  const runsReads = /\bpnpm bench\b|bench\/run\.ts/.test(command);
  const generates = command.includes('bench/generate.ts');
  const wanted: Record<string, string> = {};
  if (runsReads || generates) wanted.scale = SMALL.scale;
  if (runsReads || runsVersions) wanted.iterations = SMALL.iterations;
  if (runsVersions) wanted.autosaves = SMALL.autosaves;
  if (generates) wanted.out = path.join(dir, 'generated.db');
  let out = command;
  const added: string[] = [];
  for (const [name, value] of Object.entries(wanted)) {
    const flag = new RegExp(`--${name}(=|\\s+)\\S+`);
    if (flag.test(out)) out = out.replace(flag, `--${name} ${value}`);
    else added.push(`--${name} ${value}`);
  }
  if (added.length === 0) return out;
  // The root `pnpm bench` hands arguments after `--` to the package scripts (through turbo).
  const needsSeparator = /^pnpm bench\b/.test(out) && !/\s--(\s|$)/.test(out);
  return `${out}${needsSeparator ? ' --' : ''} ${added.join(' ')}`;
}

const commands = [
  ...new Set(
    [path.join(root, 'README.md'), path.join(root, 'packages/api/bench/README.md')]
      .flatMap(documentedCommands)
      .map(tiny),
  ),
];

describe('documented bench commands', () => {
  it('are found in the READMEs', () => {
    expect(commands.some((c) => c.startsWith('pnpm bench'))).toBe(true);
    expect(commands.some((c) => c.startsWith('cd packages/api && pnpm bench'))).toBe(true);
    expect(commands.some((c) => c.includes('bench/generate.ts'))).toBe(true);
    expect(commands.some((c) => c.includes('bench/versions.ts'))).toBe(true);
  });

  it('refuse an option they do not know instead of misreading it', () => {
    const result = spawnSync('pnpm', ['exec', 'tsx', 'bench/versions.ts', '--iteration', '5'], {
      cwd: path.join(root, 'packages/api'),
      env: {
        ...process.env,
        PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/Unknown option '--iteration'/);
  }, 90_000);

  it.each(commands)(
    '%s',
    (command) => {
      const result = spawnSync('sh', ['-c', command], {
        cwd: root,
        env: {
          ...process.env,
          AURA_BENCH_DIR: dir,
          PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
        },
        encoding: 'utf8',
        timeout: 150_000,
      });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.error, output).toBeUndefined();
      expect(result.status, output).toBe(0);
      if (/\bpnpm bench\b/.test(command)) {
        expect(output).toContain('versions.create (200 scenes');
        expect(output).toContain('p50 ratio');
        expect(output).toMatch(/Results: /);
      }
      if (command.includes('bench/generate.ts'))
        expect(existsSync(path.join(dir, 'generated.db'))).toBe(true);
    },
    180_000,
  );
});
