'use client';

import { Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { formatTimestamp } from '@/lib/format';

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "yesterday"; under a minute "just now". */
export function formatRelative(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  if (Number.isNaN(delta)) return iso;
  for (const [unit, ms] of units) {
    if (Math.abs(delta) >= ms) return relative.format(Math.round(delta / ms), unit);
  }
  return 'just now';
}

/** Re-renders relative times once a minute. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * A relative time with the exact UTC time on hover (and in `title` for assistive tech). The
 * server's and the browser's "now" differ by the render delay, hence the suppressed warning.
 */
export function RelativeTime({ iso }: { iso: string }) {
  const now = useNow();
  const exact = formatTimestamp(iso);
  return (
    <Tooltip label={exact} withArrow openDelay={200}>
      <time dateTime={iso} title={exact} suppressHydrationWarning>
        {formatRelative(iso, now)}
      </time>
    </Tooltip>
  );
}
