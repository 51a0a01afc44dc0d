import { appRouter, createRequestContext, logUnhandledError } from '@aura/api';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getDb } from '@/server/db';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    // The principal comes from a bearer API token or the dashboard's session cookie.
    createContext: ({ req, resHeaders }) =>
      createRequestContext({ db: getDb(), headers: req.headers, resHeaders }),
    onError: logUnhandledError,
  });
}

export { handler as GET, handler as POST };
