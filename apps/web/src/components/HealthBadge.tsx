'use client';

import { useSuspenseQuery } from '@tanstack/react-query';
import { formatBytes } from '@/lib/format';
import { useTRPC } from '@/trpc/react';

/** Database state at a glance; refreshed every 30 s. */
export function HealthBadge() {
  const trpc = useTRPC();
  const { data: health } = useSuspenseQuery(
    trpc.health.details.queryOptions(undefined, { refetchInterval: 30_000 }),
  );
  const { database, migrations } = health;

  let tone: 'ok' | 'warn' | 'error' = 'ok';
  let label = 'Migrations up to date';
  if (!database.reachable) {
    tone = 'error';
    label = 'Database unreachable';
  } else if (migrations.error) {
    tone = 'error';
    label = 'Migration state unknown';
  } else if (migrations.pending.length > 0) {
    tone = 'warn';
    label = `${migrations.pending.length} migration${migrations.pending.length === 1 ? '' : 's'} pending`;
  } else if (migrations.unknown.length > 0) {
    tone = 'warn';
    label = 'Database is newer than this code';
  } else if (migrations.modified.length > 0) {
    tone = 'warn';
    label = 'Applied migration files changed';
  }

  const details = [
    database.path && `File: ${database.path}`,
    `Migrations: ${migrations.applied}/${migrations.known} applied`,
    database.error ?? migrations.error ?? '',
    `Checked ${health.checkedAt}`,
  ]
    .filter(Boolean)
    .join('\n');

  return (
    <div className={`health health--${tone}`} title={details} data-testid="health-badge">
      <span className="health__dot" aria-hidden="true" />
      <span className="health__label">{label}</span>
      {database.reachable && (
        <span className="health__size">
          DB {formatBytes(database.sizeBytes)}
          {database.walSizeBytes ? ` · WAL ${formatBytes(database.walSizeBytes)}` : ''}
        </span>
      )}
    </div>
  );
}
