import { handleFetchApiRequest } from '@aura/api/http/fetch';
import { getDb } from '@/server/db';

/**
 * The API under `next dev`. In production apps/web/server.mjs answers /api/trpc itself, through
 * tRPC's Node adapter, before Next's routing: this route is then never reached.
 */
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(request: Request) {
  return handleFetchApiRequest(request, getDb());
}

export { handler as GET, handler as POST };
