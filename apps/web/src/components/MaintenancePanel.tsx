'use client';

import { useSuspenseQuery } from '@tanstack/react-query';
import { formatBytes, formatTimestamp } from '@/lib/format';
import { useTRPC } from '@/trpc/react';

/** The worker's jobs (last run, counts, next run) and the recorded backups. */
export function MaintenancePanel() {
  const trpc = useTRPC();
  const { data: workers } = useSuspenseQuery(
    trpc.worker.status.queryOptions(undefined, { refetchInterval: 5_000 }),
  );
  const { data: backups } = useSuspenseQuery(
    trpc.backups.list.queryOptions({ limit: 5 }, { refetchInterval: 30_000 }),
  );
  const jobs = workers[0]?.jobs ?? [];

  return (
    <section className="card maintenance" aria-labelledby="maintenance-heading">
      <div className="toolbar">
        <h2 id="maintenance-heading">Worker jobs and backups</h2>
      </div>
      <div className="maintenance__grid">
        <table className="projects">
          <thead>
            <tr>
              <th>Job</th>
              <th>Runs</th>
              <th>Failures</th>
              <th>Last run</th>
              <th>Next run</th>
            </tr>
          </thead>
          <tbody>
            {jobs.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  No worker has reported yet.
                </td>
              </tr>
            ) : (
              jobs.map((job) => (
                <tr key={job.name} title={job.lastError ?? undefined}>
                  <td>{job.name}</td>
                  <td>{job.runs}</td>
                  <td className={job.failures > 0 ? 'text-error' : undefined}>{job.failures}</td>
                  <td>{job.lastRunAt ? formatTimestamp(job.lastRunAt) : '—'}</td>
                  <td>{formatTimestamp(job.nextRunAt)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
        <table className="projects" data-testid="backups">
          <thead>
            <tr>
              <th>Backup</th>
              <th>Status</th>
              <th>Size</th>
            </tr>
          </thead>
          <tbody>
            {backups.items.length === 0 ? (
              <tr>
                <td colSpan={3} className="muted">
                  No backup yet.
                </td>
              </tr>
            ) : (
              backups.items.map((run) => (
                <tr key={run.id} title={run.errorMessage ?? run.file ?? undefined}>
                  <td>
                    {formatTimestamp(run.startedAt)} · {run.trigger}
                  </td>
                  <td className={run.status === 'Failed' ? 'text-error' : undefined}>
                    {run.status}
                  </td>
                  <td>{run.sizeBytes === null ? '—' : formatBytes(run.sizeBytes)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
