import { describe, expect, it } from 'vitest';
import type { Logger } from '../src/log';
import { Scheduler } from '../src/scheduler';

function memoryLogger() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
  };
  return { lines, logger };
}

describe('scheduler', () => {
  it('runs each job when it is due and records its state', async () => {
    let clock = 1_000_000;
    const calls: string[] = [];
    const { lines, logger } = memoryLogger();
    const scheduler = new Scheduler(
      [
        { name: 'fast', intervalMs: 100, run: () => void calls.push('fast') },
        { name: 'slow', intervalMs: 1_000, run: () => void calls.push('slow') },
      ],
      100,
      logger,
      () => clock,
    );
    await scheduler.tick();
    clock += 100;
    await scheduler.tick();
    clock += 1_000;
    await scheduler.tick();
    expect(calls).toEqual(['fast', 'slow', 'fast', 'fast', 'slow']);
    const fast = scheduler.snapshot().find((s) => s.name === 'fast')!;
    expect(fast).toMatchObject({ runs: 3, failures: 0, lastError: null });
    expect(fast.nextRunAt).toBe(new Date(clock + 100).toISOString());
    expect(lines.filter((l) => l.msg === 'tick').map((l) => l.fields?.tick)).toEqual([1, 2, 3]);
  });

  it('a failing job is logged and counted and does not stop the others', async () => {
    const { lines, logger } = memoryLogger();
    let ran = 0;
    const scheduler = new Scheduler(
      [
        {
          name: 'broken',
          intervalMs: 10,
          run: () => {
            throw new Error('disk on fire');
          },
        },
        { name: 'fine', intervalMs: 10, run: () => void (ran += 1) },
      ],
      10,
      logger,
    );
    await scheduler.tick(true);
    expect(ran).toBe(1);
    expect(scheduler.snapshot().find((s) => s.name === 'broken')).toMatchObject({
      failures: 1,
      lastError: 'disk on fire',
    });
    expect(lines).toContainEqual({
      level: 'error',
      msg: 'job failed',
      fields: { job: 'broken', error: 'disk on fire' },
    });
  });

  it('stop waits for the job in progress', async () => {
    const { logger } = memoryLogger();
    let finished = false;
    const scheduler = new Scheduler(
      [
        {
          name: 'long',
          intervalMs: 10,
          run: () =>
            new Promise<void>((r) =>
              setTimeout(() => {
                finished = true;
                r();
              }, 100),
            ),
        },
      ],
      10,
      logger,
    );
    scheduler.start();
    await new Promise((r) => setTimeout(r, 20));
    await scheduler.stop();
    expect(finished).toBe(true);
  });
});
