import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations, openSqlite, workerHeartbeats, createDb, jobRuns } from '@aura/db';
import { afterEach, describe, expect, it } from 'vitest';

const WORKER_DIR = path.resolve(import.meta.dirname, '..');
const TSX = path.join(WORKER_DIR, 'node_modules', '.bin', 'tsx');
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function database(migrated: boolean): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aura-worker-test-'));
  dirs.push(dir);
  const file = path.join(dir, 'aura.db');
  const sqlite = openSqlite(file);
  if (migrated) applyMigrations(sqlite);
  sqlite.close();
  return file;
}

const parse = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('worker process', () => {
  it('opens the shared database, ticks, and stops cleanly on SIGTERM', async () => {
    const file = database(true);
    const child = spawn(TSX, ['src/main.ts'], {
      cwd: WORKER_DIR,
      env: { ...process.env, AURA_DB_PATH: file, AURA_WORKER_TICK_MS: '150' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ticks in time:\n${out}`)), 20_000);
      child.stdout.on('data', () => {
        if (parse(out).filter((l) => l.msg === 'tick').length >= 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    const lines = parse(out);
    expect(lines[0]).toMatchObject({
      msg: 'worker started',
      dbPath: file,
      level: 'info',
      service: 'worker',
    });
    expect(lines.find((l) => l.msg === 'job done' && l.job === 'health')).toMatchObject({
      migrationsUpToDate: true,
    });
    expect(lines.at(-1)).toMatchObject({ msg: 'worker stopped' });

    // Its heartbeat is in the shared database, for the dashboard.
    const sqlite = openSqlite(file);
    const [beat] = createDb(sqlite).select().from(workerHeartbeats).all();
    sqlite.close();
    expect(beat).toMatchObject({ workerId: lines[0]!.workerId, tickIntervalMs: 150 });
    expect(beat!.tickCount).toBeGreaterThanOrEqual(3);
    expect(beat!.stoppedAt).not.toBeNull();
    expect((JSON.parse(beat!.jobsJson!) as { name: string }[]).map((j) => j.name)).toEqual(
      expect.arrayContaining(['exports', 'health']),
    );
  }, 40_000);

  it('--once runs every job once and exits', () => {
    const file = database(true);
    const result = spawnSync(TSX, ['src/main.ts', '--once'], {
      cwd: WORKER_DIR,
      env: { ...process.env, AURA_DB_PATH: file },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const lines = parse(result.stdout);
    expect(lines.filter((l) => l.msg === 'tick')).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ msg: 'worker finished (--once)' });
    // Each run is in the job history, the integrity check among them.
    const sqlite = openSqlite(file);
    const runs = createDb(sqlite).select().from(jobRuns).all();
    sqlite.close();
    const jobs = parse(result.stdout).find((l) => l.msg === 'worker started')?.jobs as string[];
    expect(runs.map((r) => r.jobName).sort()).toEqual([...jobs].sort());
    expect(runs.find((r) => r.jobName === 'integrity')).toMatchObject({ status: 'Succeeded' });
  }, 30_000);

  it('refuses an unmigrated database with a clear message', () => {
    const file = database(false);
    const result = spawnSync(TSX, ['src/main.ts', '--once'], {
      cwd: WORKER_DIR,
      env: { ...process.env, AURA_DB_PATH: file },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(parse(result.stderr)[0]).toMatchObject({
      level: 'error',
      msg: 'database is not migrated',
    });
    expect(result.stderr).toContain('pnpm db:migrate');
  }, 30_000);
});
