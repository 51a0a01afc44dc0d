import type { AuraDb } from '@aura/db';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createRequestContext } from '../context';
import { appRouter } from '../root';
import { logUnhandledError } from '../trpc';
import { batchRefusal, boundedRequest } from './caps';
import { API_ENDPOINT } from './endpoint';

/**
 * The tRPC endpoint for a fetch-style host (Next's route handler under `next dev`): the same auth,
 * caps, error shape, method override and error logging as the Node handler of ./node.
 */
export async function handleFetchApiRequest(incoming: Request, db: AuraDb): Promise<Response> {
  // Over a cap, every call of the request gets the refusal (raised while creating the context,
  // so tRPC answers in its own shape and status: 413 or 400).
  const { request, refusal } = await boundedRequest(incoming);
  return fetchRequestHandler({
    endpoint: API_ENDPOINT,
    req: request,
    router: appRouter,
    // The typed client sends large query inputs by POST.
    allowMethodOverride: true,
    // The principal comes from a bearer API token or the dashboard's session cookie.
    createContext: ({ req, resHeaders, info }) => {
      const error = refusal ?? batchRefusal(info.calls.length);
      if (error) throw error;
      return createRequestContext({ db, headers: req.headers, resHeaders });
    },
    onError: logUnhandledError,
  });
}
