import { createTRPCClient, httpBatchLink, httpLink, splitLink } from '@trpc/client';
// Type-only: the client carries no server or database code at runtime.
import type { AppRouter } from './root';

export type { AppRouter, RouterInputs, RouterOutputs } from './root';

export interface AuraClientOptions {
  /** The tRPC endpoint, e.g. http://127.0.0.1:3000/api/trpc */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  token?: string;
  fetch?: typeof fetch;
}

/**
 * Batched GET URLs stay below this (servers and proxies refuse long request lines, Node at 16 KiB
 * of headers with 431); a batch holds at most MAX_BATCH_CALLS calls (the server's cap).
 */
export const MAX_URL_LENGTH = 2_000;
export const MAX_BATCH_CALLS = 20;
/** A query whose encoded input is longer than this goes alone, by POST, instead of in a URL. */
const LARGE_QUERY_INPUT = MAX_URL_LENGTH / 2;

/** An HTTP answer that is not a tRPC response (431, 413 or a proxy's 502 HTML page). */
export class AuraHttpError extends Error {
  constructor(
    readonly status: number,
    statusText: string,
    body: string,
  ) {
    super(
      `HTTP ${status}${statusText ? ` ${statusText}` : ''}: the server did not answer with tRPC JSON` +
        (body ? ` (${body.replace(/\s+/g, ' ').trim().slice(0, 200)})` : ''),
    );
    this.name = 'AuraHttpError';
  }
}

/** Fails clearly on a non-JSON answer instead of "Unexpected end of JSON input". */
function checkedFetch(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.headers.get('content-type')?.includes('application/json')) return response;
    const body = await response.text().catch(() => '');
    throw new AuraHttpError(response.status, response.statusText, body);
  };
}

function encodedInputLength(input: unknown): number {
  return input === undefined ? 0 : encodeURIComponent(JSON.stringify(input)).length;
}

/** The typed client for sibling processes (the worker, scripts, tests). */
export function createAuraClient({ url, token, fetch: fetchImpl }: AuraClientOptions) {
  const common = {
    url,
    headers: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    fetch: checkedFetch(fetchImpl ?? globalThis.fetch),
  };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'query' && encodedInputLength(op.input) > LARGE_QUERY_INPUT,
        // The server accepts queries by POST (allowMethodOverride).
        true: httpLink({ ...common, methodOverride: 'POST' }),
        false: httpBatchLink({
          ...common,
          maxURLLength: MAX_URL_LENGTH,
          maxItems: MAX_BATCH_CALLS,
        }),
      }),
    ],
  });
}

export type AuraClient = ReturnType<typeof createAuraClient>;
