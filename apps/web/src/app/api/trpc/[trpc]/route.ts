import { appRouter, createRequestContext, logUnhandledError } from '@aura/api';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getDb } from '@/server/db';
import { batchRefusal, boundedRequest } from '@/server/limits';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function handler(incoming: Request) {
  // Over a limit, every call of the request gets the refusal (raised while creating the context,
  // so tRPC answers in its own shape and status: 413 or 400).
  const { request, refusal } = await boundedRequest(incoming);
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    // The typed client sends large query inputs by POST.
    allowMethodOverride: true,
    // The principal comes from a bearer API token or the dashboard's session cookie.
    createContext: ({ req, resHeaders, info }) => {
      const error = refusal ?? batchRefusal(info.calls.length);
      if (error) throw error;
      return createRequestContext({ db: getDb(), headers: req.headers, resHeaders });
    },
    onError: logUnhandledError,
  });
}

export { handler as GET, handler as POST };
