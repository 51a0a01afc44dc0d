import { spawn } from 'node:child_process';
import path from 'node:path';
import { exportHistory, insertAudited, type ExportHistoryRow, type ExportStatus } from '@aura/db';
import type { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EXPORT_ERROR_MAX_CHARS,
  buildAbandonedExportQuery,
  buildNextQueuedExportQuery,
  claimNextExport,
  completeExport,
  exportFailureMessage,
  exportStatus,
  exportTempFile,
  exportTempFilePrefix,
  failExport,
  releaseLease,
  renewLease,
  reportProgress,
} from '../src/exports/jobs';
import { cancelExport } from '../src/exports/service';
import { toTRPCError } from '../src/trpc';
import { openTestDb, type TestDb } from './helpers';

const API_DIR = path.resolve(import.meta.dirname, '..');
const CLAIMER = path.join(API_DIR, 'test', 'fixtures', 'export-claimer.ts');

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

const LEASE = { leaseMs: 30_000, maxAttempts: 3 };
const at = (iso: string) => new Date(iso);
const T0 = '2026-03-01T10:00:00.000Z';

let serial = 0;
/** An export row as enqueue would leave it, with fields overridden and CreatedAt pinned. */
function insertExport(
  values: Partial<typeof exportHistory.$inferInsert> & { status?: ExportStatus } = {},
  createdAt?: string,
): ExportHistoryRow {
  serial += 1;
  const row = insertAudited(
    t.db,
    exportHistory,
    {
      inputFile: '/media/in.mp4',
      outputFile: `/output/out-${serial}.mp4`,
      presetName: 'youtube-720p',
      status: 'Queued',
      ...values,
    },
    'tester',
  );
  if (createdAt) {
    t.db.$client
      .prepare('UPDATE ExportHistory SET CreatedAt = ? WHERE Id = ?')
      .run(createdAt, row.id);
  }
  return get(row.id);
}

const get = (id: string) =>
  t.db
    .select()
    .from(exportHistory)
    .all()
    .find((row) => row.id === id) as ExportHistoryRow;
const rawRow = (id: string) =>
  t.db.$client.prepare('SELECT * FROM ExportHistory WHERE Id = ?').get(id);

/** `fn` throws a domain error that the api reports with `code` (and `message`). */
function expectDomainError(fn: () => unknown, code: TRPCError['code'], message?: RegExp) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(toTRPCError(error)?.code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

/** A job claimed by `workerId` (the oldest queued one). */
function claimed(workerId = 'w1', options = LEASE): ExportHistoryRow {
  const { claimed: row } = claimNextExport(t.db, workerId, options);
  expect(row).not.toBeNull();
  return row!;
}

describe('claimNextExport', () => {
  it('claims the oldest Queued export: InProgress, StartedAt, lease, Attempts 1', () => {
    const newer = insertExport({}, '2026-03-01T09:00:02.000Z');
    const oldest = insertExport({}, '2026-03-01T09:00:01.000Z');
    insertExport({ status: 'Completed' }, '2026-03-01T09:00:00.000Z');
    const now = at(T0);
    const { claimed: row, gaveUp } = claimNextExport(t.db, 'w1', { ...LEASE, now });
    expect(gaveUp).toEqual([]);
    expect(row).toMatchObject({
      id: oldest.id,
      status: 'InProgress',
      leaseOwner: 'w1',
      leaseExpiresAt: '2026-03-01T10:00:30.000Z',
      attempts: 1,
      progress: 0,
      modifiedBy: 'worker',
    });
    expect(row!.startedAt).not.toBeNull();
    expect(get(oldest.id)).toEqual(row);

    expect(claimNextExport(t.db, 'w2', { ...LEASE, now }).claimed?.id).toBe(newer.id);
    expect(claimNextExport(t.db, 'w3', { ...LEASE, now })).toEqual({ claimed: null, gaveUp: [] });
  });

  it('never takes a job whose lease is live; takes it over once the lease expired', () => {
    insertExport();
    const first = claimed('w1', { ...LEASE, now: at(T0) } as typeof LEASE);
    const before = rawRow(first.id);
    // Until the lease expires, nobody else gets it (and nothing changes).
    expect(
      claimNextExport(t.db, 'w2', { ...LEASE, now: at('2026-03-01T10:00:29.999Z') }).claimed,
    ).toBeNull();
    expect(rawRow(first.id)).toEqual(before);

    const later = at('2026-03-01T10:00:30.000Z');
    const takeover = claimNextExport(t.db, 'w2', { ...LEASE, now: later }).claimed!;
    expect(takeover).toMatchObject({
      id: first.id,
      status: 'InProgress',
      leaseOwner: 'w2',
      leaseExpiresAt: '2026-03-01T10:01:00.000Z',
      attempts: 2,
      startedAt: first.startedAt,
    });
    // The first worker's calls now fail and change nothing.
    const after = rawRow(first.id);
    expect(renewLease(t.db, first.id, 'w1', 30_000)).toBe(false);
    expect(reportProgress(t.db, first.id, 'w1', 50)).toBe(false);
    expect(completeExport(t.db, first.id, 'w1', { fileSize: 1, durationSeconds: 1 })).toBeNull();
    expect(failExport(t.db, first.id, 'w1', 'late')).toBeNull();
    expect(releaseLease(t.db, first.id, 'w1')).toBe(false);
    expect(rawRow(first.id)).toEqual(after);
  });

  it('takes abandoned running jobs (expired or no lease) before queued ones', () => {
    const queued = insertExport({}, '2026-03-01T08:00:00.000Z');
    const noLease = insertExport(
      { status: 'InProgress', startedAt: T0 },
      '2026-03-01T09:00:00.000Z',
    );
    const expired = insertExport(
      { status: 'InProgress', startedAt: T0, leaseOwner: 'dead', leaseExpiresAt: T0, attempts: 1 },
      '2026-03-01T09:30:00.000Z',
    );
    const live = insertExport(
      {
        status: 'InProgress',
        startedAt: T0,
        leaseOwner: 'alive',
        leaseExpiresAt: '2026-03-01T11:00:00.000Z',
        attempts: 1,
      },
      '2026-03-01T07:00:00.000Z',
    );
    const now = at('2026-03-01T10:05:00.000Z');
    const order = [1, 2, 3, 4].map(
      () => claimNextExport(t.db, 'w', { ...LEASE, now }).claimed?.id ?? null,
    );
    expect(order).toEqual([noLease.id, expired.id, queued.id, null]);
    expect(get(live.id).leaseOwner).toBe('alive');
    expect(get(expired.id)).toMatchObject({ attempts: 2, startedAt: T0 });
    expect(get(noLease.id)).toMatchObject({ attempts: 1, startedAt: T0 });
  });

  it('fails a job that used up its attempts, with the reason, and claims the next one', () => {
    const poison = insertExport(
      {
        status: 'InProgress',
        startedAt: T0,
        leaseOwner: 'host:42',
        leaseExpiresAt: T0,
        attempts: 3,
      },
      '2026-03-01T09:00:00.000Z',
    );
    const next = insertExport({}, '2026-03-01T09:10:00.000Z');
    const { claimed: row, gaveUp } = claimNextExport(t.db, 'w', {
      ...LEASE,
      now: at('2026-03-01T10:01:00.000Z'),
    });
    expect(row?.id).toBe(next.id);
    expect(gaveUp).toHaveLength(1);
    expect(get(poison.id)).toMatchObject({
      status: 'Failed',
      attempts: 3,
      errorMessage: `Gave up after 3 attempts: the worker host:42 stopped without finishing it (its lease expired at ${T0})`,
    });
    expect(get(poison.id).completedAt).not.toBeNull();
  });

  it('counts attempts across takeovers and gives up after maxAttempts', () => {
    insertExport();
    let clock = Date.parse(T0);
    const options = () => ({ leaseMs: 1_000, maxAttempts: 2, now: new Date(clock) });
    expect(claimNextExport(t.db, 'a', options()).claimed?.attempts).toBe(1);
    clock += 1_000;
    expect(claimNextExport(t.db, 'b', options()).claimed?.attempts).toBe(2);
    clock += 1_000;
    const last = claimNextExport(t.db, 'c', options());
    expect(last.claimed).toBeNull();
    expect(last.gaveUp[0]).toMatchObject({ status: 'Failed', attempts: 2 });
    expect(last.gaveUp[0]!.errorMessage).toMatch(/^Gave up after 2 attempts: the worker b stopped/);
  });

  it('rejects bad options and changes nothing', () => {
    const row = insertExport();
    const before = rawRow(row.id);
    expectDomainError(
      () => claimNextExport(t.db, 'w', { leaseMs: 0, maxAttempts: 3 }),
      'BAD_REQUEST',
      /leaseMs/,
    );
    expectDomainError(
      () => claimNextExport(t.db, 'w', { leaseMs: 10, maxAttempts: 0 }),
      'BAD_REQUEST',
      /maxAttempts/,
    );
    expectDomainError(() => claimNextExport(t.db, '', LEASE), 'BAD_REQUEST', /workerId/);
    expect(rawRow(row.id)).toEqual(before);
  });

  it('finds its candidates through the indexes (no scan, no sort)', () => {
    for (let i = 0; i < 20; i++)
      insertExport({}, `2026-03-01T09:00:${String(i).padStart(2, '0')}.000Z`);
    const queries = [...buildAbandonedExportQuery(t.db, T0), buildNextQueuedExportQuery(t.db)];
    const plans = queries.map((query) => {
      const { sql, params } = query.toSQL();
      return (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join('\n');
    });
    for (const plan of plans) {
      expect(plan).not.toMatch(/SCAN ExportHistory/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
    expect(plans[0]).toMatch(
      /USING INDEX IX_ExportHistory_Status_LeaseExpiresAt \(Status=\? AND LeaseExpiresAt=\?\)/,
    );
    expect(plans[1]).toMatch(
      /USING INDEX IX_ExportHistory_Status_LeaseExpiresAt \(Status=\? AND LeaseExpiresAt<\?\)/,
    );
    expect(plans[2]).toMatch(
      /USING (COVERING )?INDEX IX_ExportHistory_Status_CreatedAt_Id \(Status=\?\)/,
    );
  });

  it('two processes claiming at once never get the same job', async () => {
    const total = 120;
    const ids = Array.from({ length: total }, () => insertExport().id);
    const start = (workerId: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLAIMER], {
        cwd: API_DIR,
        env: { ...process.env, AURA_DB_PATH: t.file, WORKER_ID: workerId },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => out.includes('ready\n') && resolve());
        child.on('exit', () => reject(new Error(`${workerId} exited early: ${err}`)));
      });
      const done = new Promise<{ workerId: string; claimed: string[] }>((resolve, reject) =>
        child.on('exit', (code) => {
          const last = out.trim().split('\n').at(-1) ?? '';
          if (code === 0 && last.startsWith('{'))
            resolve(JSON.parse(last) as { workerId: string; claimed: string[] });
          else reject(new Error(`${workerId} failed (${code}): ${err}`));
        }),
      );
      return { child, ready, done };
    };
    const workers = [start('p1'), start('p2')];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin.write('go\n');
    const [a, b] = await Promise.all(workers.map((w) => w.done));

    expect(a!.claimed.length + b!.claimed.length).toBe(total);
    expect(a!.claimed.filter((id) => b!.claimed.includes(id))).toEqual([]);
    expect([...a!.claimed, ...b!.claimed].sort()).toEqual([...ids].sort());
    // Both really competed.
    expect(a!.claimed.length).toBeGreaterThan(0);
    expect(b!.claimed.length).toBeGreaterThan(0);
    const rows = t.db.select().from(exportHistory).all();
    expect(rows.every((row) => row.status === 'Completed' && row.attempts === 1)).toBe(true);
    for (const row of rows) {
      expect(row.leaseOwner).toBe(a!.claimed.includes(row.id) ? 'p1' : 'p2');
    }
  }, 30_000);
});

describe('while running', () => {
  it('renewLease extends the owner’s lease only while the export runs', () => {
    insertExport();
    const row = claimed();
    expect(renewLease(t.db, row.id, 'w1', 60_000, { now: at(T0) })).toBe(true);
    expect(get(row.id).leaseExpiresAt).toBe('2026-03-01T10:01:00.000Z');
    expect(renewLease(t.db, row.id, 'intruder', 60_000)).toBe(false);
    expect(get(row.id).leaseExpiresAt).toBe('2026-03-01T10:01:00.000Z');
    expectDomainError(() => renewLease(t.db, row.id, 'w1', -5), 'BAD_REQUEST', /leaseMs/);

    cancelExport(t.db, 'tester', row.id);
    const cancelled = rawRow(row.id);
    expect(renewLease(t.db, row.id, 'w1', 60_000)).toBe(false);
    expect(rawRow(row.id)).toEqual(cancelled);
    expect(renewLease(t.db, 'no-such-export', 'w1', 60_000)).toBe(false);
  });

  it('reportProgress records 0..100 for the owner; anything else changes nothing', () => {
    insertExport();
    const row = claimed();
    expect(reportProgress(t.db, row.id, 'w1', 42.5)).toBe(true);
    expect(get(row.id).progress).toBe(42.5);
    const version = get(row.id).rowVersion;
    expect(reportProgress(t.db, row.id, 'w1', 42.5)).toBe(true);
    expect(get(row.id).rowVersion).toBe(version); // unchanged value: no write
    const before = rawRow(row.id);
    for (const bad of [-1, 100.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectDomainError(() => reportProgress(t.db, row.id, 'w1', bad), 'BAD_REQUEST', /progress/);
    }
    expect(reportProgress(t.db, row.id, 'other', 50)).toBe(false);
    expect(rawRow(row.id)).toEqual(before);
    cancelExport(t.db, 'tester', row.id);
    expect(reportProgress(t.db, row.id, 'w1', 60)).toBe(false);
    expect(get(row.id)).toMatchObject({ status: 'Cancelled', progress: 42.5 });
  });

  it('exportStatus reads status and owner (for cancel polling)', () => {
    const row = insertExport();
    expect(exportStatus(t.db, row.id)).toEqual({ status: 'Queued', leaseOwner: null });
    claimed();
    expect(exportStatus(t.db, row.id)).toEqual({ status: 'InProgress', leaseOwner: 'w1' });
    cancelExport(t.db, 'tester', row.id);
    expect(exportStatus(t.db, row.id)).toEqual({ status: 'Cancelled', leaseOwner: 'w1' });
    expect(exportStatus(t.db, 'nope')).toBeNull();
  });
});

describe('finishing', () => {
  it('completeExport publishes inside the transaction and records the result', () => {
    insertExport();
    const row = claimed();
    const calls: string[] = [];
    const done = completeExport(
      t.db,
      row.id,
      'w1',
      { fileSize: 1234, durationSeconds: 2.02 },
      (current) => {
        calls.push(current.status);
      },
    );
    expect(calls).toEqual(['InProgress']);
    expect(done).toMatchObject({
      status: 'Completed',
      progress: 100,
      fileSize: 1234,
      durationSeconds: 2.02,
    });
    expect(done!.completedAt).not.toBeNull();
    // Done is done: a second completion (or failure) is refused without publishing.
    expect(
      completeExport(t.db, row.id, 'w1', { fileSize: 1, durationSeconds: 1 }, () =>
        calls.push('again'),
      ),
    ).toBeNull();
    expect(failExport(t.db, row.id, 'w1', 'late')).toBeNull();
    expect(calls).toEqual(['InProgress']);
  });

  it('completeExport does not publish for a cancelled export, and records nothing when publishing fails', () => {
    insertExport();
    insertExport();
    const cancelled = claimed('w1');
    cancelExport(t.db, 'tester', cancelled.id);
    let published = false;
    expect(
      completeExport(
        t.db,
        cancelled.id,
        'w1',
        { fileSize: 1, durationSeconds: 1 },
        () => (published = true),
      ),
    ).toBeNull();
    expect(published).toBe(false);
    expect(get(cancelled.id).status).toBe('Cancelled');

    const other = claimed('w1');
    const before = rawRow(other.id);
    expect(() =>
      completeExport(t.db, other.id, 'w1', { fileSize: 1, durationSeconds: 1 }, () => {
        throw new Error('OutputFile appeared meanwhile');
      }),
    ).toThrow('OutputFile appeared meanwhile');
    expect(rawRow(other.id)).toEqual(before);
  });

  it('failExport records the reason and the tail of FFmpeg’s output, bounded', () => {
    insertExport();
    const row = claimed();
    const output =
      Array.from({ length: 2_000 }, (_, i) => `frame line ${i}`).join('\n') +
      '\nInvalid data found';
    const failed = failExport(t.db, row.id, 'w1', 'FFmpeg exited with code 1', output)!;
    expect(failed.status).toBe('Failed');
    expect(failed.errorMessage!.length).toBeLessThanOrEqual(EXPORT_ERROR_MAX_CHARS);
    expect(failed.errorMessage).toMatch(
      /^FFmpeg exited with code 1\nFFmpeg output \(last lines\):\nframe line \d+\n/,
    );
    expect(failed.errorMessage!.endsWith('frame line 1999\nInvalid data found')).toBe(true);

    expect(exportFailureMessage('  ', null)).toBe('Export failed');
    expect(exportFailureMessage('x'.repeat(5_000)).length).toBe(1000);
    expect(exportFailureMessage('No FFmpeg', '')).toBe('No FFmpeg');
  });

  it('releaseLease gives the job back at once, without counting the attempt', () => {
    insertExport();
    const row = claimed('w1');
    reportProgress(t.db, row.id, 'w1', 30);
    expect(releaseLease(t.db, row.id, 'intruder')).toBe(false);
    expect(releaseLease(t.db, row.id, 'w1', { now: at(T0) })).toBe(true);
    expect(get(row.id)).toMatchObject({
      status: 'InProgress',
      leaseOwner: null,
      leaseExpiresAt: T0,
      attempts: 0,
      progress: 0,
      startedAt: row.startedAt,
    });
    expect(releaseLease(t.db, row.id, 'w1')).toBe(false);
    const again = claimed('w2');
    expect(again).toMatchObject({
      id: row.id,
      leaseOwner: 'w2',
      attempts: 1,
      startedAt: row.startedAt,
    });
  });
});

describe('temporary files', () => {
  it('are hidden, per export and attempt, beside OutputFile, with the real extension last', () => {
    const file = exportTempFile('/out/videos/My clip.mp4', 'abc-123', 2);
    expect(file).toBe('/out/videos/.My clip.part-abc-123-2.mp4');
    expect(
      path.basename(file).startsWith(exportTempFilePrefix('/out/videos/My clip.mp4', 'abc-123')),
    ).toBe(true);
    expect(exportTempFile('/out/a.gif', 'id', 1)).toBe('/out/.a.part-id-1.gif');
  });

  it('fit in a file name of 255 bytes even for a very long output name', () => {
    const id = '0195f3c2-7a1b-7cde-8f00-123456789abc';
    const name = `${'é'.repeat(120)}.mp4`; // 244 bytes
    const file = path.basename(exportTempFile(`/out/${name}`, id, 12));
    expect(Buffer.byteLength(file)).toBeLessThanOrEqual(255);
    expect(file.endsWith(`.part-${id}-12.mp4`)).toBe(true);
    expect(file.startsWith('.éé')).toBe(true);
  });
});
