import { afterEach, describe, expect, it } from 'vitest';
import { markWorkerStopped, recordWorkerHeartbeat } from '../src/worker/service';
import { openTestDb, type TestDb } from './helpers';

let t: TestDb;
afterEach(() => t.close());

const beat = {
  workerId: 'host:42',
  hostname: 'host',
  pid: 42,
  startedAt: '2026-11-22T10:00:00.000Z',
  tickIntervalMs: 5_000,
  jobs: [
    {
      name: 'health',
      lastRunAt: null,
      lastDurationMs: null,
      lastError: null,
      runs: 0,
      failures: 0,
      nextRunAt: '2026-11-22T10:00:00.000Z',
    },
  ],
};

describe('worker.status', () => {
  it('shows a ticking worker as alive, a silent or stopped one as not', async () => {
    t = openTestDb();
    const now = Date.now();
    recordWorkerHeartbeat(t.db, { ...beat, tickCount: 1 }, new Date(now - 2_000));
    recordWorkerHeartbeat(t.db, { ...beat, tickCount: 2 }, new Date(now - 1_000));
    let [status] = await t.caller.worker.status();
    expect(status).toMatchObject({
      workerId: 'host:42',
      tickCount: 2,
      alive: true,
      stoppedAt: null,
    });
    expect(status!.jobs[0]!.name).toBe('health');

    recordWorkerHeartbeat(
      t.db,
      { ...beat, workerId: 'host:43', pid: 43, tickCount: 9 },
      new Date(now - 60_000),
    );
    const all = await t.caller.worker.status();
    expect(all.map((w) => [w.workerId, w.alive])).toEqual([
      ['host:42', true],
      ['host:43', false],
    ]);

    markWorkerStopped(t.db, 'host:42');
    [status] = await t.caller.worker.status();
    expect(status).toMatchObject({ alive: false });
    expect(status!.stoppedAt).not.toBeNull();
  });
});
