/**
 * `pnpm bench:live`: what the live change feed costs and how fast it is.
 *
 *   pnpm bench:live [--scale 1] [--subscribers 100] [--seconds 10] [--writes 20] [--out f.json]
 *
 * On a generated database at the scale (the same generator as `pnpm bench`), it starts the API
 * endpoint as its own process (bench/live/server.ts) and measures:
 * - the feed's own cost in this process: one look when nothing changed (the change key only) and
 *   one full pass of the per-topic aggregates after a write;
 * - the server's CPU (share of one core) and RSS with no subscriber, then with `--subscribers`
 *   open `live.changes` streams, idle and while another process (bench/live/writer.ts, as the
 *   worker) writes an export's progress twice a second;
 * - the latency from that other process's commit to the event at the first and at the last of
 *   the subscribers (p50, p95, max over `--writes` writes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDb, openSqlite } from '@aura/db';
import { z } from 'zod';
import { ChangeFeed } from '../../src/live/feed';
import { createApiToken, createUser } from '../../src/testing';
import { applyMigrations } from '@aura/db';

const here = path.dirname(fileURLToPath(import.meta.url));
const apiDir = path.resolve(here, '..', '..');

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    subscribers: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    writes: { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const scale = Number(values.scale);
const subscribers = Number(values.subscribers);
const seconds = Number(values.seconds);
const writes = Number(values.writes);
for (const [name, value] of Object.entries({ scale, subscribers, seconds, writes })) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
function rssMiB(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib ?? 0) / 1024;
}

/** CPU share of one core and RSS of `pid` over `ms`. */
async function sample(pid: number, ms: number) {
  const before = cpuSeconds(pid);
  await wait(ms);
  return { cpuPercent: ((cpuSeconds(pid) - before) / (ms / 1000)) * 100, rssMiB: rssMiB(pid) };
}

function node(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], {
    cwd: apiDir,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error('no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? NaN };
};

const liveEvent = z.object({
  topics: z.array(z.string()),
  exports: z.array(z.object({ id: z.string(), progress: z.number() })).optional(),
});

/** One open `live.changes` stream: calls `onEvent` with each event and its arrival time. */
async function subscribe(
  base: string,
  token: string,
  onEvent: (event: z.infer<typeof liveEvent>, at: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(`${base}/api/trpc/live.changes`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal,
  });
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no stream');
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
        if (done || !value) return;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.includes('event:')) continue;
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('');
          if (data) onEvent(liveEvent.parse(JSON.parse(data)), Date.now());
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
}

/**
 * Rows for the aggregates to read, at `pnpm bench`'s base sizes times the scale (exports and the
 * action log are the large tables): plain inserts, much quicker than the full generator.
 */
function fillTables(sqlite: ReturnType<typeof openSqlite>, factor: number) {
  const counts = {
    projects: Math.round(5_000 * factor),
    exports: Math.round(10_000 * factor),
    actionLogs: Math.round(50_000 * factor),
  };
  const now = new Date().toISOString();
  const id = (kind: number, i: number) =>
    `0190${String(kind).padStart(4, '0')}-0000-7000-8000-${String(i).padStart(12, '0')}`;
  sqlite.transaction(() => {
    const project = sqlite.prepare(
      `INSERT INTO ProjectStates (Id, Title, Status, CreatedAt, UpdatedAt, CreatedBy, ModifiedBy)
       VALUES (?, ?, 'InProgress', ?, ?, 'bench', 'bench')`,
    );
    for (let i = 0; i < counts.projects; i++) project.run(id(1, i), `Project ${i}`, now, now);
    const exportRow = sqlite.prepare(
      `INSERT INTO ExportHistory (Id, InputFile, OutputFile, PresetName, Status, Progress,
         CreatedAt, UpdatedAt, CreatedBy, ModifiedBy)
       VALUES (?, '/in.mp4', ?, 'youtube-720p', 'Completed', 100, ?, ?, 'bench', 'bench')`,
    );
    for (let i = 0; i < counts.exports; i++) exportRow.run(id(2, i), `/out/${i}.mp4`, now, now);
    const action = sqlite.prepare(
      `INSERT INTO ActionLogs (Id, UserId, ActionType, Description, Timestamp, CreatedAt,
         UpdatedAt, CreatedBy, ModifiedBy)
       VALUES (?, 'bench', 'projects.update', 'bench', ?, ?, ?, 'bench', 'bench')`,
    );
    for (let i = 0; i < counts.actionLogs; i++) action.run(id(3, i), now, now, now);
  })();
  return { counts };
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aura-bench-live-'));
  const file = path.join(dir, 'live.db');
  const sqlite = openSqlite(file);
  applyMigrations(sqlite);
  const db = createDb(sqlite);
  console.log('Filling the tables…');
  const generated = fillTables(sqlite, scale);
  console.log('Measuring…');
  const { user } = await createUser(db, null, {
    email: 'live-bench@bench.test',
    password: 'correct horse battery staple',
    role: 'viewer',
    displayName: 'Live bench',
  });
  const { token } = createApiToken(db, user.id, {
    userId: user.id,
    name: 'live bench',
    expiresInDays: 1,
  });
  const exportId = z
    .string()
    .parse(sqlite.prepare('SELECT Id FROM ExportHistory LIMIT 1').pluck().get());
  sqlite.prepare(`UPDATE ExportHistory SET Status = 'InProgress' WHERE Id = ?`).run(exportId);

  // The feed's own cost, in this process.
  const feed = new ChangeFeed(sqlite, 60_000);
  const stop = feed.subscribe(() => undefined);
  const idleRuns = 10_000;
  let started = process.hrtime.bigint();
  for (let i = 0; i < idleRuns; i++) feed.tick();
  const idleLookUs = Number(process.hrtime.bigint() - started) / 1e3 / idleRuns;
  const passes: number[] = [];
  for (let i = 0; i < 20; i++) {
    sqlite.prepare('UPDATE ExportHistory SET Progress = ? WHERE Id = ?').run(i, exportId);
    started = process.hrtime.bigint();
    feed.tick();
    passes.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  stop();
  sqlite.close();

  const env = { ...process.env, AURA_DB_PATH: file, AURA_LIVE_MAX_PER_USER: String(subscribers) };
  const server = node('server.ts', [], env);
  const writer = node('writer.ts', [file], env);
  const controller = new AbortController();
  try {
    const port = (await firstLine(server)).split(' ')[1];
    const base = `http://127.0.0.1:${port}`;
    const pid = server.pid ?? 0;
    await wait(1000);
    const idle = await sample(pid, seconds * 1000);

    const arrivals = new Map<number, number[]>();
    let ready = 0;
    await Promise.all(
      Array.from({ length: subscribers }, () => {
        let first = true;
        return subscribe(
          base,
          token,
          (event, at) => {
            if (first) {
              // The stream's first event: it is up.
              first = false;
              ready += 1;
              return;
            }
            const progress = event.exports?.find((item) => item.id === exportId)?.progress;
            if (progress !== undefined)
              arrivals.set(progress, [...(arrivals.get(progress) ?? []), at]);
          },
          controller.signal,
        );
      }),
    );
    while (ready < subscribers) await wait(20);
    arrivals.clear();
    const open = await sample(pid, seconds * 1000);

    // Writes from the other process, twice a second; the server is sampled meanwhile.
    const commits = new Map<number, number>();
    const writerLines = createInterface({ input: writer.stdout ?? process.stdin });
    let pending: ((at: number) => void) | null = null;
    writerLines.on('line', (line) => pending?.(Number(line)));
    const cpuBefore = cpuSeconds(pid);
    const writeStart = Date.now();
    for (let i = 1; i <= writes; i++) {
      const progress = 10 + i;
      const committed = new Promise<number>((resolve) => (pending = resolve));
      writer.stdin?.write(`${exportId} ${progress}\n`);
      commits.set(progress, await committed);
      await wait(500);
    }
    await wait(1000);
    const busySeconds = (Date.now() - writeStart) / 1000;
    const busy = {
      cpuPercent: ((cpuSeconds(pid) - cpuBefore) / busySeconds) * 100,
      rssMiB: rssMiB(pid),
    };
    const first: number[] = [];
    const last: number[] = [];
    let missing = 0;
    for (const [progress, committedAt] of commits) {
      const times = arrivals.get(progress) ?? [];
      if (times.length < subscribers) missing += subscribers - times.length;
      if (times.length === 0) continue;
      first.push(Math.min(...times) - committedAt);
      last.push(Math.max(...times) - committedAt);
    }

    const result = {
      scale,
      rows: generated.counts,
      subscribers,
      feed: {
        idleLookMicroseconds: Number(idleLookUs.toFixed(2)),
        passAfterWriteMs: summary(passes),
      },
      server: { idle, [`open${subscribers}`]: open, [`writes${subscribers}`]: busy },
      latencyMs: { firstSubscriber: summary(first), lastSubscriber: summary(last) },
      missingEvents: missing,
    };
    console.log(JSON.stringify(result, null, 2));
    if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2));
  } finally {
    controller.abort();
    server.kill('SIGKILL');
    writer.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
