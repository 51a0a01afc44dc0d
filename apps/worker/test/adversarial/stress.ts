/**
 * `pnpm stress` (not part of `npm test`): the long versions of the adversarial suite.
 *   1. 32 HTTP clients for 60 s against the built web server (apps/web/.next), else the standalone
 *      API child, with a lost-update detector: clients update shared projects with the RowVersion
 *      they read; no two successes may share a base version, and every project's successes must
 *      form one unbroken chain ending in the row on disk.
 *   2. 100 crash rounds (SIGKILL of a writer at random points).
 * Options: --clients N --seconds N --rounds N --projects N. Prints the figures; exits 1 on any
 * lost write, internal error or failed check.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { AuraHttpError, createAuraClient } from '@aura/api/client';
import { openSqlite } from '@aura/db';
import { crashRounds } from './crash';
import {
  FIXTURES,
  WORKER_DIR,
  removeSetup,
  setupDatabase,
  spawnTsx,
  stopChild,
  type Child,
  type Setup,
} from './helpers';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} takes a whole number`);
    process.exit(2);
  }
  return value;
}

const CLIENTS = option('clients', 32);
const SECONDS = option('seconds', 60);
const ROUNDS = option('rounds', 100);
const PROJECTS = option('projects', 8);

const WEB_DIR = path.resolve(WORKER_DIR, '..', 'web');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** The built web server when there is one, else the standalone API; resolves with the endpoint. */
async function startServer(
  setup: Setup,
): Promise<{ url: string; kind: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/api/trpc`;
  if (existsSync(path.join(WEB_DIR, '.next', 'BUILD_ID'))) {
    // The production entry (`pnpm start`): Next.js behind the server that stamps client addresses.
    const next = spawn(process.execPath, ['server.mjs'], {
      cwd: WEB_DIR,
      env: {
        ...setup.env,
        NEXT_TELEMETRY_DISABLED: '1',
        AURA_WEB_PORT: String(port),
        AURA_WEB_HOST: '127.0.0.1',
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => next.on('close', resolve));
    for (let i = 0; i < 120; i++) {
      const ready = await fetch(`${url}/health.get`).then(
        (r) => r.status < 500,
        () => false,
      );
      if (ready) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return {
      url,
      kind: 'built web server (server.mjs)',
      stop: async () => {
        next.kill('SIGTERM');
        const timer = setTimeout(() => next.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      },
    };
  }
  const api: Child = spawnTsx(path.join(FIXTURES, 'api-server.ts'), [String(port)], setup.env);
  await api.waitFor('listening ');
  return { url, kind: 'standalone API (apps/web is not built)', stop: () => stopChild(api) };
}

/** The tRPC error code of a failed call (TRPCClientError carries it in `data`), or its HTTP status. */
function errorCode(error: unknown): string {
  if (error instanceof AuraHttpError) return `HTTP_${error.status}`;
  const code = (error as { data?: { code?: unknown } } | null)?.data?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 80)}` : 'UNKNOWN';
}

interface Success {
  projectId: string;
  base: number;
  version: number;
  title: string;
}

async function lostUpdateRun(setup: Setup) {
  const server = await startServer(setup);
  try {
    const editor = createAuraClient({ url: server.url, token: setup.editor.token });
    const projectIds: string[] = [];
    const initial = new Map<string, number>();
    for (let i = 0; i < PROJECTS; i++) {
      const p = await editor.projects.create.mutate({ title: `shared ${i}` });
      projectIds.push(p.id);
      initial.set(p.id, p.rowVersion);
    }
    const successes: Success[] = [];
    const errors = new Map<string, number>();
    let requests = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const client = async (n: number) => {
      const c = createAuraClient({ url: server.url, token: setup.editor.token });
      for (let i = 0; Date.now() < deadline; i++) {
        const projectId = projectIds[(n + i * 7) % projectIds.length]!;
        try {
          requests += 1;
          const read = await c.projects.get.query({ id: projectId });
          const title = `client ${n} write ${i}`;
          requests += 1;
          const written = await c.projects.update.mutate({
            id: projectId,
            rowVersion: read.rowVersion,
            title,
          });
          successes.push({ projectId, base: read.rowVersion, version: written.rowVersion, title });
        } catch (error) {
          const code = errorCode(error);
          errors.set(code, (errors.get(code) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    await server.stop();

    // Every project's successes must chain: base = the previous success's version, no shared base.
    const sqlite = openSqlite(setup.dbPath);
    const problems: string[] = [];
    try {
      const row = sqlite.prepare('SELECT Title, RowVersion FROM ProjectStates WHERE Id = ?');
      for (const id of projectIds) {
        const chain = successes.filter((s) => s.projectId === id).sort((a, b) => a.base - b.base);
        let expected = initial.get(id)!;
        for (const s of chain) {
          if (s.base !== expected)
            problems.push(
              `${id}: a success based on v${s.base} where v${expected} was current (lost update)`,
            );
          expected = s.version;
        }
        const onDisk = row.get(id) as { Title: string; RowVersion: number };
        const last = chain.at(-1);
        if (onDisk.RowVersion !== expected || (last && onDisk.Title !== last.title))
          problems.push(
            `${id}: v${onDisk.RowVersion} "${onDisk.Title}" on disk, last success v${expected} "${last?.title}"`,
          );
      }
    } finally {
      sqlite.close();
    }
    return { kind: server.kind, requests, successes: successes.length, errors, problems };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

let failed = false;
const started = Date.now();

if (SECONDS > 0) {
  const setup = await setupDatabase('aura-stress-http-');
  try {
    const r = await lostUpdateRun(setup);
    const internal = r.errors.get('INTERNAL_SERVER_ERROR') ?? 0;
    console.log(
      `http: ${CLIENTS} clients for ${SECONDS} s against the ${r.kind}: ${r.requests} requests, ` +
        `${r.successes} updates acknowledged, errors by code ${JSON.stringify(Object.fromEntries(r.errors))}, ` +
        `${r.problems.length} lost writes, ${internal} internal errors`,
    );
    for (const p of r.problems.slice(0, 20)) console.log(`  ${p}`);
    if (r.problems.length > 0 || internal > 0) failed = true;
  } finally {
    removeSetup(setup);
  }
}

if (ROUNDS > 0) {
  const setup = await setupDatabase('aura-stress-crash-');
  try {
    const r = await crashRounds(setup, { rounds: ROUNDS, maxDelayMs: 1_500 });
    console.log(
      `crash: ${r.rounds} rounds of SIGKILL, ${r.acknowledged} acknowledged writes, ${r.lost} lost, ` +
        `${r.problems.length} problems, ${(r.ms / 1000).toFixed(1)} s`,
    );
    for (const p of r.problems.slice(0, 20)) console.log(`  ${p}`);
    if (r.problems.length > 0) failed = true;
  } finally {
    removeSetup(setup);
  }
}

console.log(
  `stress: ${failed ? 'FAILED' : 'ok'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exitCode = failed ? 1 : 0;
