/**
 * Load for `pnpm bench:http`: autocannon runs with every response's latency kept (autocannon's
 * own histogram rounds to whole milliseconds, too coarse for a raw handler answering in 0.3 ms),
 * and the resident memory of a process tree read from /proc.
 */
import { inspect } from 'node:util';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  /** Completed requests per second. */
  rps: number;
  /** Latency percentiles (nearest rank) and mean, in milliseconds. */
  p50: number;
  p99: number;
  mean: number;
  /** Answers other than 2xx, and connection errors or timeouts. */
  non2xx: number;
  errors: number;
  bytesPerResponse: number;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** Drives `baseUrl` with `requests` (each connection cycles through them) for `seconds`. */
export async function runLoad(options: {
  baseUrl: string;
  requests: LoadRequest[];
  connections: number;
  seconds: number;
  headers: Record<string, string>;
}): Promise<LoadResult> {
  let latencies = new Float64Array(16_384);
  let count = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: options.seconds,
        timeout: 30,
        headers: options.headers,
        requests: options.requests.map((request) => ({
          method: request.method,
          path: request.path,
          ...(request.body === undefined ? {} : { body: request.body }),
        })),
      },
      (error: unknown, done: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error(inspect(error)));
        else resolve(done);
      },
    );
    instance.on('response', (_client, _status, resBytes, responseTime) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
      bytes += resBytes;
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = latencies.subarray(0, count).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    connections: options.connections,
    seconds: result.duration || seconds,
    requests: count,
    rps: count / (result.duration || seconds),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: count ? sum / count : Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    bytesPerResponse: count ? bytes / count : 0,
  };
}

/** Resident memory (bytes) of a process and every process under it; 0 once it is gone. */
export function treeRss(pid: number): number {
  let total = 0;
  const seen = new Set<number>();
  const visit = (id: number) => {
    if (seen.has(id)) return;
    seen.add(id);
    try {
      const status = readFileSync(`/proc/${id}/status`, 'utf8');
      const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      total += kib ? Number(kib) * 1024 : 0;
      const children = readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) visit(Number(child));
    } catch {
      // gone, or not Linux
    }
  };
  visit(pid);
  return total;
}
