import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';
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

/** The typed client for sibling processes (the worker, scripts, tests). */
export function createAuraClient({ url, token, fetch: fetchImpl }: AuraClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url,
        transformer: superjson,
        headers: () => (token ? { Authorization: `Bearer ${token}` } : {}),
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      }),
    ],
  });
}

export type AuraClient = ReturnType<typeof createAuraClient>;
