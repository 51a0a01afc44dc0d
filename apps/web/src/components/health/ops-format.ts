/** Small formatters shared by the operations pages (same output on server and browser). */

/** 1500 → "1.5 s", 42 → "42 ms", 200000 → "3 min 20 s". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** 90 → "1 h 30 min", 2000 → "1 d 9 h". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  const days = Math.floor(hours / 24);
  return `${days} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** A job interval: 60000 → "every minute", 3600000 → "every hour". */
export function formatInterval(ms: number | null): string {
  if (ms === null) return '—';
  const minutes = ms / 60_000;
  if (ms < 60_000) return `every ${Math.round(ms / 1000)} s`;
  if (minutes === 1) return 'every minute';
  if (minutes < 60) return `every ${Math.round(minutes)} min`;
  if (minutes === 60) return 'every hour';
  if (minutes < 1440) return `every ${Math.round(minutes / 60)} h`;
  if (minutes === 1440) return 'every day';
  return `every ${Math.round(minutes / 1440)} days`;
}
