import { appRouter, createContext, logUnhandledError } from '@aura/api';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getDb } from '@/server/db';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    // Auth comes later: every caller is anonymous (actor null) for now.
    createContext: () => createContext({ db: getDb() }),
    onError: logUnhandledError,
  });
}

export { handler as GET, handler as POST };
