/**
 * `pnpm bench:http`: the real web server against raw handlers, over HTTP, in the same run.
 *
 *   pnpm bench:http [--scale 10] [--duration 10] [--connections 1,8,32] [--rounds 1]
 *                   [--cases list,get,health,create,scene-add] [--isolation-duration S]
 *                   [--soak 600] [--no-build] [--seed n] [--out file.json]
 *
 * Generates (or reuses, as `pnpm bench` does) a database at the scale, builds the web app when its
 * build is out of date (turbo), copies the database, adds an editor with an API token through the
 * same service the CLI uses, starts the built server (`node apps/web/server.mjs`, as `npm run up`
 * does) and the raw handlers (bench/http/raw-server.ts) on free loopback ports, then drives each
 * with autocannon at each connection count: req/s, p50 and p99 and the server/raw ratios, plus
 * the server's RSS before and after. Both sides open the same copy with the same pragmas
 * (openSqlite: WAL and AURA_DB_SYNCHRONOUS, FULL unless set).
 *
 * Then the slow-query isolation: a light read's latency alone, and while one connection loops
 * a project search that matches nothing (the server asks the full-text index; the raw handler
 * still runs the LIKE scan that reads every live row, which the server did before issue 13).
 * `--soak S` runs only a mixed load at 8 connections for S seconds, sampling the server's RSS
 * every 10 s. Prints tables and writes JSON (`http-results-<scale>x.json` and `http-latest.json`
 * in the bench folder, or --out).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDb, loadMigrations, openSqlite, sha256 } from '@aura/db';
import { z } from 'zod';
import { createApiToken, createUser } from '../../src/testing';
import { DEFAULT_SEED, GENERATOR_VERSION, generateDatabase } from '../generate';
import { runLoad, treeRss, type LoadRequest, type LoadResult } from './load';

const here = path.dirname(fileURLToPath(import.meta.url));
const apiDir = path.resolve(here, '..', '..');
const root = path.resolve(apiDir, '..', '..');
const webDir = path.join(root, 'apps', 'web');

const CASES = ['list', 'get', 'health', 'create', 'scene-add'] as const;
type CaseName = (typeof CASES)[number];
const DESCRIPTIONS: Record<CaseName, string> = {
  list: 'projects.list (first page of 20)',
  get: 'projects.get (~10 scenes, ~20 assets)',
  health: 'health.get',
  create: 'projects.create (write)',
  'scene-add': 'scenes.add (write)',
};
const RSS_SAMPLE_MS = 10_000;

// ---- options -----------------------------------------------------------------------------------

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      scale: { type: 'string', default: '10' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '1,8,32' },
      rounds: { type: 'string', default: '1' },
      cases: { type: 'string', default: CASES.join(',') },
      'isolation-duration': { type: 'string' },
      soak: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      out: { type: 'string' },
    },
    strict: true,
  });
  const positive = (name: string, text: string, integer = false) => {
    const value = Number(text);
    if (!(value > 0) || (integer && !Number.isInteger(value)))
      throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
    return value;
  };
  const cases = values.cases.split(',').map((name) => {
    const found = CASES.find((c) => c === name.trim());
    if (!found) throw new Error(`--cases: unknown case "${name}" (known: ${CASES.join(', ')})`);
    return found;
  });
  const duration = positive('duration', values.duration);
  return {
    scale: positive('scale', values.scale),
    duration,
    connections: values.connections.split(',').map((c) => positive('connections', c, true)),
    rounds: positive('rounds', values.rounds, true),
    cases,
    isolationDuration: positive(
      'isolation-duration',
      values['isolation-duration'] ?? String(duration),
    ),
    soak: values.soak === undefined ? null : positive('soak', values.soak),
    build: !values['no-build'],
    seed: Number(values.seed),
    out: values.out ?? null,
  };
}

// ---- database, build, processes -----------------------------------------------------------------

function benchDirectory(): string {
  return path.resolve(process.env.AURA_BENCH_DIR?.trim() || path.join(os.tmpdir(), 'aura-bench'));
}

/** The database `pnpm bench` uses for this scale and seed (same cache key), generated if missing. */
async function generatedDatabase(scale: number, seed: number): Promise<string> {
  const migrationsKey = sha256(
    loadMigrations()
      .map((m) => m.hash)
      .join(','),
  ).slice(0, 10);
  const file = path.join(
    benchDirectory(),
    `aura-bench-${scale}x-g${GENERATOR_VERSION}-s${seed}-m${migrationsKey}.db`,
  );
  if (existsSync(file) && existsSync(`${file}.json`)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  console.log(`Generating the ${scale}x database at ${file}`);
  const generation = await generateDatabase({ scale, out: file, seed });
  writeFileSync(`${file}.json`, `${JSON.stringify(generation, null, 2)}\n`);
  return file;
}

/** `turbo run build` of the web app and what it depends on: a no-op when nothing changed. */
function build() {
  const bin = path.join(root, 'node_modules', '.bin');
  console.log('Building the web app (turbo: cached when nothing changed)');
  const result = spawnSync(
    path.join(bin, 'turbo'),
    ['run', 'build', '--filter=@aura/web...', '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        NEXT_TELEMETRY_DISABLED: '1',
        TURBO_TELEMETRY_DISABLED: '1',
      },
    },
  );
  if (result.status !== 0) throw new Error(`The build failed (exit ${result.status ?? 'signal'})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

const children: ChildProcess[] = [];
/** The copy of the database and the server's data folder: removed however the run ends. */
let workDir: string | undefined;

/** Starts a process in its own group (so stopping it stops what it started), output kept. */
function startProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, output: () => output };
}

/** SIGTERM to each started process group; SIGKILL to any still running after 10 s. */
async function stopAll() {
  const running = children
    .splice(0)
    .filter((child) => child.exitCode === null && child.signalCode === null);
  const signal = (child: ChildProcess, name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  await Promise.all(
    running.map(async (child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      signal(child, 'SIGTERM');
      const timeout = new Promise((resolve) =>
        setTimeout(() => resolve('timeout'), 10_000).unref(),
      );
      if ((await Promise.race([exited, timeout])) === 'timeout') signal(child, 'SIGKILL');
    }),
  );
}

async function waitFor(what: string, check: () => Promise<boolean>, output: () => string) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const envelope = z.object({ result: z.object({ data: z.unknown() }) });

/** The value inside superjson's `{ json }` wrapper; undefined for plain JSON. */
function superjsonValue(data: unknown): unknown {
  return typeof data === 'object' && data !== null && 'json' in data ? data.json : undefined;
}

// ---- the run -----------------------------------------------------------------------------------

interface Side {
  name: 'server' | 'raw';
  baseUrl: string;
}

interface CaseRun {
  case: CaseName;
  connections: number;
  server: LoadResult;
  raw: LoadResult;
  /** server req/s / raw req/s, and server latency / raw latency. */
  rpsRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  rounds: { server: LoadResult; raw: LoadResult }[];
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main() {
  const opts = options();
  const started = Date.now();
  const source = await generatedDatabase(opts.scale, opts.seed);
  if (opts.build) build();
  if (!existsSync(path.join(webDir, '.next', 'BUILD_ID'))) {
    throw new Error('apps/web has no build: run without --no-build, or `pnpm build` first');
  }

  const work = mkdtempSync(path.join(benchDirectory(), 'http-'));
  workDir = work;
  const dbFile = path.join(work, 'aura.db');
  copyFileSync(source, dbFile);
  const fixture = await prepareFixture(dbFile);

  const port = await freePort();
  const server = startProcess(
    process.execPath,
    [...startFlags(), path.join(webDir, 'server.mjs')],
    webDir,
    {
      ...process.env,
      AURA_DB_PATH: dbFile,
      AURA_WEB_PORT: String(port),
      AURA_WEB_HOST: '127.0.0.1',
      AURA_TRUST_PROXY: '0',
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  );
  const serverSide: Side = { name: 'server', baseUrl: `http://127.0.0.1:${port}` };
  await waitFor(
    'The web server',
    async () => (await fetch(`${serverSide.baseUrl}/api/trpc/health.get`)).ok,
    server.output,
  );
  // superjson wraps every value as { json }; plain JSON does not: ask the server which it speaks.
  const health = envelope.parse(
    await (await fetch(`${serverSide.baseUrl}/api/trpc/health.get`)).json(),
  );
  const shape = superjsonValue(health.result.data) === undefined ? 'json' : 'superjson';

  const raw = startProcess(
    process.execPath,
    [...process.execArgv, path.join(here, 'raw-server.ts'), dbFile, shape],
    apiDir,
    process.env,
  );
  let rawPort = 0;
  await waitFor(
    'The raw handlers',
    () => {
      rawPort = Number(/listening (\d+)/.exec(raw.output())?.[1] ?? 0);
      return Promise.resolve(rawPort > 0);
    },
    raw.output,
  );
  const rawSide: Side = { name: 'raw', baseUrl: `http://127.0.0.1:${rawPort}` };

  const encode = (input: unknown) =>
    JSON.stringify(shape === 'superjson' ? { json: input } : input);
  const query = (procedure: string, input: unknown): LoadRequest => ({
    method: 'GET',
    path: `/api/trpc/${procedure}?input=${encodeURIComponent(encode(input))}`,
  });
  const mutation = (procedure: string, input: unknown): LoadRequest => ({
    method: 'POST',
    path: `/api/trpc/${procedure}`,
    body: encode(input),
  });
  const requests: Record<CaseName, LoadRequest[]> = {
    list: [query('projects.list', { limit: 20 })],
    get: fixture.getIds.map((id) => query('projects.get', { id })),
    health: [{ method: 'GET', path: '/api/trpc/health.get' }],
    create: [
      mutation('projects.create', {
        title: 'HTTP benchmark project',
        description: 'Created by pnpm bench:http',
      }),
    ],
    'scene-add': fixture.sceneProjectIds.map((projectId) =>
      mutation('scenes.add', {
        projectId,
        scriptText: 'A scene the HTTP benchmark added.',
        durationSeconds: 4,
      }),
    ),
  };
  const heavy = query('projects.list', { limit: 20, search: 'zeppelin-never-matches' });
  const headers = { authorization: `Bearer ${fixture.token}`, 'content-type': 'application/json' };

  await checkEquivalent(serverSide, rawSide, requests, headers);
  const synchronous = process.env.AURA_DB_SYNCHRONOUS?.trim() || 'FULL';
  const rssStart = treeRss(server.child.pid ?? 0);
  console.log(
    `\nScale ${opts.scale}x, ${shape} on the wire, synchronous=${synchronous}, ${os.cpus().length} CPUs` +
      ` (other processes on them inflate the figures; the ratios are measured in the same run).` +
      `\nServer RSS after start: ${mib(rssStart)} MiB\n`,
  );

  let failed = 0;
  const load = async (side: Side, request: LoadRequest[], connections: number, seconds: number) => {
    const result = await runLoad({
      baseUrl: side.baseUrl,
      requests: request,
      connections,
      seconds,
      headers,
    });
    failed += result.non2xx + result.errors;
    return result;
  };

  const results: Record<string, unknown> = {
    scale: opts.scale,
    seed: opts.seed,
    shape,
    synchronous,
    cpus: os.cpus().length,
    loadAverage: os.loadavg(),
    startedAt: new Date(started).toISOString(),
    commit: gitCommit(),
  };
  try {
    if (opts.soak !== null) {
      results.soak = await soak(serverSide, requests, opts.soak, server.child.pid ?? 0, load);
    } else {
      const runs: CaseRun[] = [];
      for (const name of opts.cases) {
        // Warm-up: the first requests compile routes, fill caches and grow the heap.
        const warm = Math.min(2, opts.duration);
        await load(serverSide, requests[name], 8, warm);
        await load(rawSide, requests[name], 8, warm);
        for (const connections of opts.connections) {
          const rounds: CaseRun['rounds'] = [];
          for (let r = 0; r < opts.rounds; r++) {
            // Alternate which side goes first, so neither always runs on the other's leftovers.
            const order = r % 2 === 0 ? [serverSide, rawSide] : [rawSide, serverSide];
            const byName: Partial<Record<Side['name'], LoadResult>> = {};
            for (const side of order) {
              byName[side.name] = await load(side, requests[name], connections, opts.duration);
            }
            if (byName.server && byName.raw)
              rounds.push({ server: byName.server, raw: byName.raw });
          }
          // The quietest round of each side: the most requests per second.
          const best = (side: 'server' | 'raw') =>
            rounds.map((r) => r[side]).reduce((a, b) => (b.rps > a.rps ? b : a));
          const s = best('server');
          const w = best('raw');
          const run: CaseRun = {
            case: name,
            connections,
            server: s,
            raw: w,
            rpsRatio: s.rps / w.rps,
            p50Ratio: s.p50 / w.p50,
            p99Ratio: s.p99 / w.p99,
            rounds,
          };
          runs.push(run);
          printRow(run);
        }
      }
      results.cases = runs;
      const isolated: IsolationReport = {
        heavy:
          'projects.list, search matching nothing (server: the full-text index; raw: a LIKE scan of every live row)',
        light: 'projects.get (~10 scenes)',
        server: await isolation(serverSide, requests.get, heavy, opts.isolationDuration, load),
        raw: await isolation(rawSide, requests.get, heavy, opts.isolationDuration, load),
      };
      results.isolation = isolated;
      printIsolation(isolated);
    }
  } finally {
    const rssEnd = treeRss(server.child.pid ?? 0);
    results.serverRssMiB = { start: mib(rssStart), end: mib(rssEnd) };
    console.log(`\nServer RSS: ${mib(rssStart)} MiB after start, ${mib(rssEnd)} MiB at the end`);
    await stopAll();
    results.seconds = Math.round((Date.now() - started) / 1000);
    results.failedRequests = failed;
    const out =
      opts.out ??
      path.join(
        benchDirectory(),
        `http-results-${opts.scale}x${opts.soak === null ? '' : '-soak'}.json`,
      );
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    if (!opts.out)
      writeFileSync(
        path.join(benchDirectory(), 'http-latest.json'),
        `${JSON.stringify(results, null, 2)}\n`,
      );
    console.log(`Results: ${out}`);
    rmSync(work, { recursive: true, force: true });
  }
  // Figures of refused or dropped requests measure the errors, not the server.
  if (failed > 0) {
    throw new Error(
      `${failed} requests failed (non-2xx or errors). Server output:\n${server.output()}`,
    );
  }
}

function gitCommit(): string | null {
  const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** An editor with an API token (through the services), and the projects the cases address. */
async function prepareFixture(dbFile: string) {
  const sqlite = openSqlite(dbFile);
  try {
    const db = createDb(sqlite);
    const { user } = await createUser(db, null, {
      email: `bench-http-${randomBytes(4).toString('hex')}@bench.local`,
      displayName: 'HTTP benchmark',
      role: 'editor',
    });
    const { token } = createApiToken(db, user.id, {
      userId: user.id,
      name: 'bench:http',
      expiresInDays: 1,
    });
    const ids = (sql: string, ...params: unknown[]) =>
      z
        .array(z.object({ Id: z.string() }))
        .parse(sqlite.prepare(sql).all(...params))
        .map((row) => row.Id);
    // Live projects with about 10 scenes and 20 assets (as `pnpm bench`), spread over the table;
    // any live project on a database too small to have them.
    let getIds = ids(
      `SELECT p.Id FROM ProjectStates p
       JOIN (SELECT ProjectId, count(*) AS n FROM SceneStates GROUP BY ProjectId) s ON s.ProjectId = p.Id
       JOIN (SELECT ProjectId, count(*) AS n FROM AssetStates GROUP BY ProjectId) a ON a.ProjectId = p.Id
       WHERE p.IsDeleted = 0 AND s.n BETWEEN 9 AND 11 AND a.n BETWEEN 18 AND 22 ORDER BY p.rowid`,
    );
    if (getIds.length === 0) getIds = ids(`SELECT Id FROM ProjectStates WHERE IsDeleted = 0`);
    const step = Math.max(1, Math.floor(getIds.length / 100));
    getIds = getIds.filter((_, i) => i % step === 0).slice(0, 100);
    // Scenes are added round-robin to many projects, far from the 1,000 scenes a project may hold.
    const sceneProjectIds = ids(
      `SELECT Id FROM ProjectStates WHERE IsDeleted = 0 ORDER BY random() LIMIT 400`,
    );
    if (getIds.length === 0 || sceneProjectIds.length === 0)
      throw new Error('The generated database has no live project');
    return { token, getIds, sceneProjectIds };
  } finally {
    sqlite.close();
  }
}

/** Both sides answer every request with 200 and the same ids (list and get). */
async function checkEquivalent(
  server: Side,
  raw: Side,
  requests: Record<CaseName, LoadRequest[]>,
  headers: Record<string, string>,
) {
  const idsOf = (value: unknown): string[] => {
    const data = envelope.parse(value).result.data;
    const body = superjsonValue(data) ?? data;
    const parsed = z
      .object({
        id: z.string().optional(),
        items: z.array(z.object({ id: z.string() })).optional(),
      })
      .loose()
      .parse(body);
    return parsed.items ? parsed.items.map((item) => item.id) : parsed.id ? [parsed.id] : [];
  };
  for (const name of ['list', 'get'] as const) {
    const request = requests[name][0];
    if (!request) continue;
    const answers = await Promise.all(
      [server, raw].map(async (side) => {
        const response = await fetch(`${side.baseUrl}${request.path}`, { headers });
        const text = await response.text();
        if (!response.ok) throw new Error(`${side.name} ${name}: HTTP ${response.status} ${text}`);
        return { ids: idsOf(JSON.parse(text)), bytes: text.length };
      }),
    );
    const [a, b] = answers;
    if (!a || !b) throw new Error(`${name}: a side gave no answer`);
    if (a.ids.join() !== b.ids.join()) {
      throw new Error(`${name}: the server and the raw handler answer different rows`);
    }
    console.log(
      `${name}: same ${a.ids.length} row(s); ${a.bytes} bytes (server), ${b.bytes} (raw)`,
    );
  }
}

function printRow(run: CaseRun) {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '-');
  const problems = run.server.non2xx + run.server.errors + run.raw.non2xx + run.raw.errors;
  console.log(
    `${DESCRIPTIONS[run.case].padEnd(40)} c=${String(run.connections).padStart(2)}  ` +
      `req/s ${f(run.server.rps).padStart(7)} vs ${f(run.raw.rps).padStart(7)} (${(run.rpsRatio * 100).toFixed(0)}%)  ` +
      `p50 ${f(run.server.p50)} vs ${f(run.raw.p50)} ms  p99 ${f(run.server.p99)} vs ${f(run.raw.p99)} ms` +
      (problems ? `  ${problems} failed` : ''),
  );
}

type Load = (
  side: Side,
  request: LoadRequest[],
  connections: number,
  seconds: number,
) => Promise<LoadResult>;

interface IsolationSide {
  alone: LoadResult;
  during: LoadResult;
  heavy: LoadResult;
  /** p99 of the light read during the heavy loop / alone (goal: at most 2). */
  p99Ratio: number;
}
interface IsolationReport {
  heavy: string;
  light: string;
  server: IsolationSide;
  raw: IsolationSide;
}

/** A light read alone, then while one connection loops the heavy read. */
async function isolation(
  side: Side,
  light: LoadRequest[],
  heavy: LoadRequest,
  seconds: number,
  load: Load,
): Promise<IsolationSide> {
  const alone = await load(side, light, 1, seconds);
  const [during, heavyResult] = await Promise.all([
    load(side, light, 1, seconds),
    load(side, [heavy], 1, seconds),
  ]);
  return { alone, during, heavy: heavyResult, p99Ratio: during.p99 / alone.p99 };
}

function printIsolation(report: IsolationReport) {
  console.log(
    `\nSlow-query isolation: ${report.light}, 1 connection, while 1 connection loops ${report.heavy}`,
  );
  for (const name of ['server', 'raw'] as const) {
    const r = report[name];
    console.log(
      `  ${name.padEnd(6)} alone p50 ${r.alone.p50.toFixed(2)} p99 ${r.alone.p99.toFixed(2)} ms; ` +
        `during p50 ${r.during.p50.toFixed(2)} p99 ${r.during.p99.toFixed(2)} ms ` +
        `(p99 x${r.p99Ratio.toFixed(1)}); heavy read p50 ${r.heavy.p50.toFixed(1)} ms`,
    );
  }
}

/**
 * Node's flags of the web app's `start` script (e.g. its heap limit), so the bench runs the server
 * exactly as `pnpm start` and `npm run up` do.
 */
function startFlags(): string[] {
  const manifest = z
    .object({ scripts: z.object({ start: z.string() }) })
    .parse(JSON.parse(readFileSync(path.join(webDir, 'package.json'), 'utf8')));
  const words = manifest.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'server.mjs') {
    throw new Error(`unexpected start script of the web app: ${manifest.scripts.start}`);
  }
  return words.slice(1, -1);
}

/** Mixed load at 8 connections for `seconds`, the server's RSS sampled every 10 s. */
async function soak(
  server: Side,
  requests: Record<CaseName, LoadRequest[]>,
  seconds: number,
  pid: number,
  load: Load,
) {
  // Mostly reads, as a dashboard and sibling apps make them; about one request in five writes,
  // scenes added round-robin to many projects (each holds at most 1,000).
  const gets = requests.get;
  const mixed = requests['scene-add'].flatMap((addScene, k) => [
    ...requests.list,
    ...gets.slice(k % gets.length, (k % gets.length) + 1),
    ...requests.health,
    ...(k % 2 === 0 ? requests.create : requests.list),
    ...gets.slice((k + 1) % gets.length, ((k + 1) % gets.length) + 1),
    ...requests.list,
    ...gets.slice((k + 2) % gets.length, ((k + 2) % gets.length) + 1),
    addScene,
  ]);
  const samples: { atSeconds: number; rssMiB: number }[] = [];
  const t0 = Date.now();
  const sample = () =>
    samples.push({ atSeconds: Math.round((Date.now() - t0) / 1000), rssMiB: mib(treeRss(pid)) });
  sample();
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  let result: LoadResult;
  try {
    result = await load(server, mixed, 8, seconds);
  } finally {
    clearInterval(timer);
  }
  sample();
  // The trend after warm-up (the first minute, or the first fifth of a shorter soak), and over
  // the second half: least-squares slope of RSS over time, in MiB per minute.
  const slope = (from: number) => {
    const steady = samples.filter((s) => s.atSeconds >= from);
    const n = steady.length;
    if (n < 2) return Number.NaN;
    const meanT = steady.reduce((a, s) => a + s.atSeconds, 0) / n;
    const meanR = steady.reduce((a, s) => a + s.rssMiB, 0) / n;
    const covariance = steady.reduce((a, s) => a + (s.atSeconds - meanT) * (s.rssMiB - meanR), 0);
    const variance = steady.reduce((a, s) => a + (s.atSeconds - meanT) ** 2, 0);
    return round((covariance / variance) * 60, 3);
  };
  const warmup = Math.min(60, seconds / 5);
  const afterWarmup = samples.find((s) => s.atSeconds >= warmup);
  const report = {
    seconds,
    connections: 8,
    load: result,
    rssMiB: {
      start: samples[0]?.rssMiB ?? 0,
      afterWarmup: afterWarmup?.rssMiB ?? 0,
      peak: Math.max(...samples.map((s) => s.rssMiB)),
      end: samples.at(-1)?.rssMiB ?? 0,
    },
    slopeMiBPerMinuteAfterWarmup: slope(warmup),
    slopeMiBPerMinuteSecondHalf: slope(seconds / 2),
    samples,
  };
  console.log(
    `Soak ${seconds} s at 8 connections: ${result.requests} requests (${result.rps.toFixed(0)} req/s, ` +
      `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${result.non2xx + result.errors} failed)\n` +
      `Server RSS: start ${report.rssMiB.start} MiB, after warm-up ${report.rssMiB.afterWarmup} MiB, ` +
      `peak ${report.rssMiB.peak} MiB, end ${report.rssMiB.end} MiB; ` +
      `trend ${report.slopeMiBPerMinuteAfterWarmup} MiB/min after warm-up, ` +
      `${report.slopeMiBPerMinuteSecondHalf} MiB/min over the second half`,
  );
  return report;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void stopAll().finally(() => {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

main().then(
  // autocannon and the fetch agent keep timers alive: the run is over.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    void stopAll().finally(() => {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      process.exit(1);
    });
  },
);
