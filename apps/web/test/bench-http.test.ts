import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * `pnpm bench:http` runs as written: the smallest database, one connection, one second per case,
 * against the built server. Proves the command works end to end; it asserts no timings (those
 * are the benchmark's to report, on a quiet machine).
 */
const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const apiDir = path.resolve(appDir, '..', '..', 'packages', 'api');
const hasBuild = existsSync(path.join(appDir, '.next', 'BUILD_ID'));

const load = z.object({ requests: z.number(), non2xx: z.number(), errors: z.number() });
const results = z.object({
  shape: z.enum(['superjson', 'json']),
  cases: z.array(z.object({ case: z.string(), connections: z.number(), server: load, raw: load })),
  isolation: z.object({
    server: z.object({ alone: load, during: load, heavy: load }),
    raw: z.object({ alone: load, during: load, heavy: load }),
  }),
  serverRssMiB: z.object({ start: z.number(), end: z.number() }),
});

describe.skipIf(!hasBuild)('pnpm bench:http', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aura-bench-http-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures every case on the server and the raw handlers', async () => {
    const out = path.join(dir, 'results.json');
    const child = spawn(
      path.join(apiDir, 'node_modules', '.bin', 'tsx'),
      [
        'bench/http/run.ts',
        ...['--scale', '0.01', '--duration', '1', '--connections', '1', '--no-build'],
        ...['--out', out],
      ],
      {
        cwd: apiDir,
        env: { ...process.env, AURA_BENCH_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // SIGTERM lets the bench stop the server it started.
    const timer = setTimeout(() => child.kill('SIGTERM'), 100_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    expect(code, output).toBe(0);

    const report = results.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(report.cases.map((c) => c.case)).toEqual([
      'list',
      'get',
      'health',
      'create',
      'scene-add',
    ]);
    for (const run of [
      ...report.cases.flatMap((c) => [c.server, c.raw]),
      ...Object.values(report.isolation.server),
      ...Object.values(report.isolation.raw),
    ]) {
      expect(run.requests).toBeGreaterThan(0);
      expect(run.non2xx + run.errors).toBe(0);
    }
    expect(report.serverRssMiB.start).toBeGreaterThan(0);
  }, 120_000);
});
