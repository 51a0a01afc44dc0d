import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cancelExport, enqueueExport, getExport, makeTestClip } from '@aura/api/testing';
import { claimNextExport, exportTempFilePrefix } from '@aura/api/worker';
import {
  applyMigrations,
  createDb,
  openSqlite,
  seedDatabase,
  type AuraDb,
  type ExportHistoryRow,
} from '@aura/db';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExportJobs, type ExportJobs, type ExportJobsOptions } from '../src/exports';
import type { Logger } from '../src/log';

/**
 * The export runner against a real FFmpeg on inputs made by FFmpeg's own test sources. Slow
 * cases read their input at native speed (`-re`) so that an export lasts as long as its input.
 */

const WORKER_DIR = path.resolve(import.meta.dirname, '..');
const FIXTURE = path.join(WORKER_DIR, 'test', 'fixtures', 'export-worker.ts');

let root: string;
let media: string;
const inputs = { short: '', medium: '', long: '' };

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'aura-exports-'));
  media = path.join(root, 'media');
  mkdirSync(media);
  inputs.short = makeTestClip(path.join(media, 'input.mp4'), 2);
  inputs.medium = makeTestClip(path.join(media, 'input-4s.mp4'), 4);
  inputs.long = makeTestClip(path.join(media, 'input-20s.mp4'), 20);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dir: string;
let dbFile: string;
let db: AuraDb;
let output: string;
let env: NodeJS.ProcessEnv;
const runners: ExportJobs[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(root, 'case-'));
  dbFile = path.join(dir, 'aura.db');
  output = path.join(dir, 'output');
  mkdirSync(output);
  const sqlite = openSqlite(dbFile);
  applyMigrations(sqlite);
  db = createDb(sqlite);
  seedDatabase(db, { outputDirectory: output });
  env = { ...process.env, AURA_MEDIA_ROOTS: [media, output].join(path.delimiter) };
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const runner of runners.splice(0)) await runner.stop();
  db.$client.close();
});

function memoryLogger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: (msg, fields = {}) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields = {}) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields = {}) => lines.push({ level: 'error', msg, fields }),
  };
  return { lines, logger };
}

function runner(options: Partial<ExportJobsOptions> = {}) {
  const { lines, logger } = memoryLogger();
  const jobs = createExportJobs({ db, log: logger, workerId: 'test-worker', env, ...options });
  runners.push(jobs);
  return { jobs, lines };
}

function enqueue(presetName: string, inputFile: string, outputFile: string): ExportHistoryRow {
  return enqueueExport(db, 'tester', { presetName, inputFile, outputFile }, env);
}

const row = (id: string) => getExport(db, id);

async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs = 15_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

interface Probe {
  duration: number;
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
}

function probe(file: string): Probe {
  const json = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file], {
      encoding: 'utf8',
    }),
  ) as { format: { duration: string }; streams: Probe['streams'] };
  return { duration: Number(json.format.duration), streams: json.streams };
}

/** Files in the output folder (the temporary ones start with a dot). */
const outputFiles = () => readdirSync(output).sort();
const tempFiles = () => outputFiles().filter((name) => name.includes('.part-'));

/** PIDs of the ffmpeg processes whose parent is `ppid` (from /proc). */
function ffmpegChildren(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const [state, parent] = stat.slice(close + 2).split(' ');
      if (comm === 'ffmpeg' && Number(parent) === ppid && state !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function expectCompleted(id: string, seconds: number) {
  const done = row(id);
  expect(done).toMatchObject({
    status: 'Completed',
    progress: 100,
    errorMessage: null,
    attempts: 1,
  });
  expect(existsSync(done.outputFile)).toBe(true);
  expect(done.fileSize).toBe(statSync(done.outputFile).size);
  expect(done.durationSeconds).toBeCloseTo(seconds, 0);
  expect(done.startedAt! <= done.completedAt!).toBe(true);
  const media = probe(done.outputFile);
  expect(Math.abs(media.duration - seconds)).toBeLessThan(0.25);
  expect(tempFiles()).toEqual([]);
  return { done, media };
}

describe('exports end to end with FFmpeg', () => {
  it('youtube-720p: a 1280x720 H.264/AAC file of the input’s length, recorded', async () => {
    const queued = enqueue('youtube-720p', inputs.short, 'clip');
    const { jobs, lines } = runner();
    const result = await jobs.job.run();
    expect(result).toMatchObject({ claimed: 1, running: 1 });
    const running = row(queued.id);
    expect(running).toMatchObject({ status: 'InProgress', leaseOwner: 'test-worker', attempts: 1 });
    expect(running.startedAt).not.toBeNull();
    expect(Date.parse(running.leaseExpiresAt!)).toBeGreaterThan(Date.now());
    await jobs.idle();

    const { done, media } = expectCompleted(queued.id, 2);
    expect(done.outputFile).toBe(path.join(output, 'clip.mp4'));
    expect(done.startedAt).toBe(running.startedAt);
    const video = media.streams.find((s) => s.codec_type === 'video');
    expect(video).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(media.streams.find((s) => s.codec_type === 'audio')).toMatchObject({
      codec_name: 'aac',
    });
    expect(outputFiles()).toEqual(['clip.mp4']);
    expect(lines.filter((l) => l.level !== 'info')).toEqual([]);
    expect(lines.find((l) => l.msg === 'export completed')?.fields).toMatchObject({
      exportId: queued.id,
      fileSize: done.fileSize,
    });
  });

  it('audio-only and gif-preview run side by side (concurrency 2)', async () => {
    const audio = enqueue('audio-only', inputs.short, 'sound');
    const gif = enqueue('gif-preview', inputs.short, 'preview');
    const { jobs } = runner({ concurrency: 2 });
    await jobs.job.run();
    expect(jobs.running().sort()).toEqual([audio.id, gif.id].sort());
    await jobs.idle();

    const a = expectCompleted(audio.id, 2);
    expect(a.media.streams.map((s) => [s.codec_type, s.codec_name])).toEqual([['audio', 'aac']]);
    const g = expectCompleted(gif.id, 2);
    expect(g.media.streams).toHaveLength(1);
    expect(g.media.streams[0]).toMatchObject({
      codec_type: 'video',
      codec_name: 'gif',
      width: 480,
    });
    expect(outputFiles()).toEqual(['preview.gif', 'sound.m4a']);
  });

  it('reports Progress from FFmpeg’s output at least once a second', async () => {
    const queued = enqueue('audio-only', inputs.medium, 'progress');
    // A 1.5 s lease on a 4 s export: only the heartbeat keeps it.
    const { jobs } = runner({ ffmpegInputOptions: ['-re'], leaseMs: 1_500 });
    await jobs.job.run();
    const seen: { at: number; progress: number }[] = [];
    const leases = new Set<string>();
    const idle = { reached: false };
    void jobs.idle().then(() => (idle.reached = true));
    while (!idle.reached) {
      const { progress, status, leaseExpiresAt } = row(queued.id);
      if (status === 'InProgress') {
        expect(Date.parse(leaseExpiresAt!)).toBeGreaterThan(Date.now());
        leases.add(leaseExpiresAt!);
        if (progress !== (seen.at(-1)?.progress ?? 0)) seen.push({ at: Date.now(), progress });
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expectCompleted(queued.id, 4);
    expect(leases.size).toBeGreaterThanOrEqual(4);
    const values = seen.map((s) => s.progress);
    expect(values.length).toBeGreaterThanOrEqual(4);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.every((value) => value > 0 && value < 100)).toBe(true);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.at - seen[i - 1]!.at).toBeLessThan(1_100);
    }
  });

  it('cancel stops FFmpeg within a second and removes the partial file', async () => {
    const queued = enqueue('youtube-720p', inputs.long, 'cancelled');
    const { jobs, lines } = runner({ ffmpegInputOptions: ['-re'] });
    await jobs.job.run();
    await waitFor('progress', () => row(queued.id).progress >= 5);
    const [ffmpeg] = ffmpegChildren(process.pid);
    expect(ffmpeg).toBeDefined();
    expect(tempFiles()).toHaveLength(1);
    expect(statSync(path.join(output, tempFiles()[0]!)).size).toBeGreaterThan(0);

    const cancelledAt = Date.now();
    cancelExport(db, 'tester', queued.id);
    await waitFor(
      'FFmpeg to stop and the partial file to go',
      () => !alive(ffmpeg!) && tempFiles().length === 0,
      2_000,
      10,
    );
    expect(Date.now() - cancelledAt).toBeLessThan(1_000);
    await jobs.idle();

    const cancelled = row(queued.id);
    expect(cancelled.status).toBe('Cancelled');
    expect(cancelled.errorMessage).toBeNull();
    expect(outputFiles()).toEqual([]);
    expect(lines.some((l) => l.msg === 'export cancelled')).toBe(true);
  });

  it('stop() lets a running export finish, or gives the lease back after the timeout', async () => {
    // Finishes within the timeout.
    const quick = enqueue('audio-only', inputs.short, 'quick');
    const first = runner();
    await first.jobs.job.run();
    await first.jobs.stop();
    expectCompleted(quick.id, 2);
    expect(await first.jobs.job.run()).toEqual({ stopping: true });

    // Does not: FFmpeg is stopped, the partial file removed, the job free for anyone at once.
    const slow = enqueue('youtube-720p', inputs.long, 'slow');
    const second = runner({ ffmpegInputOptions: ['-re'], shutdownTimeoutMs: 300 });
    await second.jobs.job.run();
    await waitFor('progress', () => row(slow.id).progress > 0);
    const [ffmpeg] = ffmpegChildren(process.pid);
    await second.jobs.stop();
    expect(alive(ffmpeg!)).toBe(false);
    expect(tempFiles()).toEqual([]);
    const released = row(slow.id);
    expect(released).toMatchObject({
      status: 'InProgress',
      leaseOwner: null,
      attempts: 0,
      progress: 0,
    });
    expect(Date.parse(released.leaseExpiresAt!)).toBeLessThanOrEqual(Date.now());
    expect(second.lines.some((l) => l.msg === 'export lease given back at shutdown')).toBe(true);
    const { claimed } = claimNextExport(db, 'next-worker', { leaseMs: 10_000, maxAttempts: 3 });
    expect(claimed).toMatchObject({
      id: slow.id,
      leaseOwner: 'next-worker',
      attempts: 1,
      startedAt: released.startedAt,
    });
  });
});

describe('running modes', () => {
  it('once: run() works through the queue and resolves when every export has finished', async () => {
    const queued = [0, 1, 2].map((i) => enqueue('audio-only', inputs.short, `once-${i}`));
    const { jobs } = runner({ once: true });
    expect(await jobs.job.run()).toMatchObject({ claimed: 1, completed: 3, failed: 0, running: 0 });
    for (const q of queued) expectCompleted(q.id, 2);
  });

  it('between scheduler ticks the runner picks up new exports by itself', async () => {
    const { jobs } = runner({ intervalMs: 100 });
    expect(await jobs.job.run()).toMatchObject({ claimed: 0, running: 0 });
    const queued = enqueue('audio-only', inputs.short, 'later');
    await waitFor('the export to complete', () => row(queued.id).status === 'Completed', 10_000);
    expectCompleted(queued.id, 2);
  });

  it('an export taken over by another worker is stopped without touching its row', async () => {
    const queued = enqueue('youtube-720p', inputs.long, 'taken-over');
    const { jobs, lines } = runner({ ffmpegInputOptions: ['-re'] });
    await jobs.job.run();
    await waitFor('progress', () => row(queued.id).progress > 0);
    const [ffmpeg] = ffmpegChildren(process.pid);
    db.$client
      .prepare("UPDATE ExportHistory SET LeaseOwner = 'other-worker' WHERE Id = ?")
      .run(queued.id);
    const before = row(queued.id);
    await jobs.idle();
    expect(alive(ffmpeg!)).toBe(false);
    expect(tempFiles()).toEqual([]);
    expect(row(queued.id)).toEqual(before);
    expect(lines.some((l) => l.msg === 'export lease lost to another worker; stopped')).toBe(true);
  });
});

describe('failures', () => {
  it('an FFmpeg error fails the export with the tail of FFmpeg’s output', async () => {
    const broken = path.join(media, 'broken.mp4');
    writeFileSync(broken, 'this is not a video');
    const queued = enqueue('youtube-720p', broken, 'broken');
    const { jobs } = runner();
    await jobs.job.run();
    await jobs.idle();
    const failed = row(queued.id);
    expect(failed.status).toBe('Failed');
    expect(failed.errorMessage).toMatch(
      /^FFmpeg exited with code \d+\nFFmpeg output \(last lines\):\n/,
    );
    expect(failed.errorMessage).toContain('Invalid data found when processing input');
    expect(failed.errorMessage!.length).toBeLessThanOrEqual(4000);
    expect(failed.completedAt).not.toBeNull();
    expect(outputFiles()).toEqual([]);
  });

  it('never overwrites a file that appeared at OutputFile after the export was queued', async () => {
    const queued = enqueue('audio-only', inputs.short, 'taken');
    writeFileSync(path.join(output, 'taken.m4a'), 'somebody else’s file');
    const { jobs } = runner();
    await jobs.job.run();
    await jobs.idle();
    expect(row(queued.id).status).toBe('Failed');
    expect(row(queued.id).errorMessage).toMatch(/taken\.m4a already exists/);
    expect(readFileSync(path.join(output, 'taken.m4a'), 'utf8')).toBe('somebody else’s file');
    expect(outputFiles()).toEqual(['taken.m4a']);
  });

  it('without a working FFmpeg the export fails saying what to install or set', async () => {
    const queued = enqueue('audio-only', inputs.short, 'no-ffmpeg');
    db.$client
      .prepare("UPDATE SystemConfiguration SET FFmpegPath = '/nonexistent/bin/ffmpeg'")
      .run();
    const savedPath = process.env.PATH;
    const emptyBin = path.join(dir, 'empty-bin');
    mkdirSync(emptyBin);
    process.env.PATH = emptyBin;
    try {
      const { jobs, lines } = runner();
      await jobs.job.run();
      await jobs.idle();
      expect(lines.find((l) => l.msg === 'export failed')?.fields).toMatchObject({
        missingFfmpeg: true,
      });
      await jobs.stop();
    } finally {
      process.env.PATH = savedPath;
    }
    const failed = row(queued.id);
    expect(failed.status).toBe('Failed');
    expect(failed.errorMessage).toContain('No working FFmpeg was found');
    expect(failed.errorMessage).toContain('/nonexistent/bin/ffmpeg');
    expect(failed.errorMessage).toContain('`ffmpeg` on PATH');
    expect(failed.errorMessage).toContain('sudo apt-get install ffmpeg');
    expect(failed.errorMessage).toContain('set FFmpegPath in the system settings');
    expect(outputFiles()).toEqual([]);

    // With ffmpeg back on PATH, the broken setting is skipped with a warning and the retry works.
    const again = enqueue('audio-only', inputs.short, 'with-ffmpeg');
    const { jobs, lines } = runner();
    await jobs.job.run();
    await jobs.idle();
    expectCompleted(again.id, 2);
    expect(lines.find((l) => l.msg === 'export uses a fallback FFmpeg')?.fields.ffmpeg).toMatch(
      /ffmpeg$/,
    );
  });

  it('a job abandoned after maxAttempts runs is Failed with the reason', async () => {
    const queued = enqueue('audio-only', inputs.short, 'poison');
    const expired = new Date(Date.now() - 1_000).toISOString();
    db.$client
      .prepare(
        "UPDATE ExportHistory SET Status = 'InProgress', StartedAt = ?, LeaseOwner = 'dead-worker', LeaseExpiresAt = ?, Attempts = 3 WHERE Id = ?",
      )
      .run(expired, expired, queued.id);
    const { jobs, lines } = runner({ maxAttempts: 3 });
    expect(await jobs.job.run()).toMatchObject({ claimed: 0, gaveUp: 1 });
    const failed = row(queued.id);
    expect(failed.status).toBe('Failed');
    expect(failed.errorMessage).toBe(
      `Gave up after 3 attempts: the worker dead-worker stopped without finishing it (its lease expired at ${expired})`,
    );
    expect(lines.some((l) => l.msg === 'export gave up' && l.fields.exportId === queued.id)).toBe(
      true,
    );
  });
});

describe('worker processes', () => {
  function startWorker(workerId: string, extraEnv: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      cwd: WORKER_DIR,
      env: { ...env, AURA_DB_PATH: dbFile, WORKER_ID: workerId, LEASE_MS: '2000', ...extraEnv },
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const lines = () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    return { child, lines, output: () => out, exited };
  }

  it('kill -9 of a worker mid-export: another worker takes the job over after the lease expires', async () => {
    const queued = enqueue('youtube-720p', inputs.medium, 'survivor');
    const a = startWorker('worker-a', { REALTIME: '1' });
    await waitFor(
      'worker A to be encoding',
      () => {
        const r = row(queued.id);
        return r.leaseOwner === 'worker-a' && r.progress > 0;
      },
      20_000,
    );
    const ffmpegOfA = ffmpegChildren(a.child.pid!);
    expect(ffmpegOfA).toHaveLength(1);
    expect(tempFiles()).toHaveLength(1);
    const startedAt = row(queued.id).startedAt;

    a.child.kill('SIGKILL');
    await a.exited;
    // FFmpeg dies with its worker (parent-death signal): no orphan keeps encoding.
    await waitFor('the orphaned FFmpeg to die', () => !alive(ffmpegOfA[0]!), 2_000, 10);
    const abandoned = row(queued.id);
    expect(abandoned).toMatchObject({ status: 'InProgress', leaseOwner: 'worker-a', attempts: 1 });

    const b = startWorker('worker-b');
    await waitFor(
      'worker B to complete the export',
      () => row(queued.id).status === 'Completed',
      25_000,
      50,
    );
    const started = b.lines().find((l) => l.msg === 'export started');
    expect(started).toMatchObject({ exportId: queued.id, attempt: 2 });
    // B claimed only once A's lease had expired.
    expect(String(started!.ts) >= abandoned.leaseExpiresAt!).toBe(true);

    const done = row(queued.id);
    expect(done).toMatchObject({ leaseOwner: 'worker-b', attempts: 2, progress: 100, startedAt });
    expect(Math.abs(probe(done.outputFile).duration - 4)).toBeLessThan(0.25);
    expect(done.fileSize).toBe(statSync(done.outputFile).size);
    expect(outputFiles()).toEqual(['survivor.mp4']);
    expect(
      readdirSync(output).some((n) => n.startsWith(exportTempFilePrefix(done.outputFile, done.id))),
    ).toBe(false);

    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 45_000);

  it('two worker processes never run the same export', async () => {
    const queued = Array.from({ length: 6 }, (_, i) =>
      enqueue('audio-only', inputs.short, `many-${i}`),
    );
    const workers = [
      startWorker('worker-1', { AURA_WORKER_EXPORT_CONCURRENCY: '2' }),
      startWorker('worker-2', { AURA_WORKER_EXPORT_CONCURRENCY: '2' }),
    ];
    await waitFor(
      'every export to complete',
      () => queued.every((q) => row(q.id).status === 'Completed'),
      30_000,
      50,
    );
    const starts = workers.flatMap((w) =>
      w
        .lines()
        .filter((l) => l.msg === 'export started')
        .map((l) => l.exportId as string),
    );
    expect(starts.sort()).toEqual(queued.map((q) => q.id).sort());
    for (const q of queued) expect(row(q.id)).toMatchObject({ attempts: 1, status: 'Completed' });
    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    expect(tempFiles()).toEqual([]);
  }, 45_000);
});
