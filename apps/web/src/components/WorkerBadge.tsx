'use client';

import { useSuspenseQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/react';

/** Whether the worker is ticking, from the heartbeat it writes into the shared database. */
export function WorkerBadge() {
  const trpc = useTRPC();
  const { data: workers } = useSuspenseQuery(
    trpc.worker.status.queryOptions(undefined, { refetchInterval: 5_000 }),
  );
  const latest = workers[0];

  let tone: 'ok' | 'warn' | 'error' = 'ok';
  let label: string;
  if (!latest) {
    tone = 'warn';
    label = 'Worker has not started';
  } else if (latest.alive) {
    label = `Worker ticking · tick ${latest.tickCount} · ${latest.secondsSinceTick}s ago`;
  } else if (latest.stoppedAt) {
    tone = 'warn';
    label = 'Worker stopped';
  } else {
    tone = 'error';
    label = `Worker silent for ${latest.secondsSinceTick}s`;
  }
  const details = latest
    ? [
        `Worker ${latest.workerId}, started ${latest.startedAt}`,
        `Last tick ${latest.lastTickAt}`,
        ...latest.jobs.map(
          (j) => `${j.name}: ${j.runs} runs, ${j.failures} failures, next ${j.nextRunAt}`,
        ),
      ].join('\n')
    : 'Start it with `pnpm start` (or `npm run up`).';

  return (
    <div className={`health health--${tone}`} title={details} data-testid="worker-badge">
      <span className="health__dot" aria-hidden="true" />
      <span className="health__label">{label}</span>
    </div>
  );
}
