'use client';

import { Text, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { formatTimestamp } from '@/lib/format';

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

export function relativeTime(iso: string, now: number): string {
  let value = (Date.parse(iso) - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return formatTimestamp(iso);
}

/**
 * A time as "5 minutes ago" with the exact UTC time on hover and for screen readers. The server
 * render shows the exact time (the server's "now" is not the browser's); the relative form
 * replaces it once the page runs.
 */
export function When({ iso, size = 'sm' }: { iso: string; size?: 'xs' | 'sm' }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const exact = formatTimestamp(iso);
  return (
    <Tooltip label={exact} withArrow>
      <Text component="time" dateTime={iso} size={size} title={exact} span>
        {now === null ? exact : relativeTime(iso, now)}
      </Text>
    </Tooltip>
  );
}
