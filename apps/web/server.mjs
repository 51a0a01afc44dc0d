/**
 * The production web server: one plain Node HTTP server for the API and the dashboard.
 * - /api/trpc is served by tRPC's Node adapter (the built @aura/api/http entry), without Next's
 *   route handling, which cost about as much again as the API itself per request.
 * - Everything else (pages, assets) goes to Next.js; its server components call the router
 *   directly, in process.
 * Both see the address each request really comes from: the socket's address is written into the
 * client address header, overwriting any value a client sent, and unless a trusted proxy is in
 * front (AURA_TRUST_PROXY=1) a client-sent X-Forwarded-For is dropped.
 *
 * Environment: AURA_WEB_PORT (default 3000), AURA_WEB_HOST (default: every interface).
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { createApiRequestHandler, isApiRequest, stampClientAddress } from '@aura/api/http';

const dir = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.AURA_WEB_PORT || 3000);
const hostname = process.env.AURA_WEB_HOST || undefined;
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(
    `AURA_WEB_PORT must be a port number (1-65535), got "${process.env.AURA_WEB_PORT}"`,
  );
  process.exit(1);
}

process.env.NODE_ENV = 'production';
// Tells @aura/api that the client address header comes from this server: under `next dev` or a bare
// `next start` nothing stamps it, so a client could write it and it must be ignored there.
process.env.AURA_CLIENT_ADDRESS_STAMPED = '1';
const app = next({ dev: false, dir, hostname: hostname ?? 'localhost', port });
const handle = app.getRequestHandler();
await app.prepare();
// Its own connection at AURA_DB_PATH (the dashboard's server components keep theirs).
const handleApi = createApiRequestHandler();

const server = createServer((req, res) => {
  // Next fills a missing X-Forwarded-For from the socket itself: dropped unless a proxy is trusted.
  stampClientAddress(req);
  const served = isApiRequest(req.url) ? handleApi(req, res) : handle(req, res);
  served.catch((error) => {
    console.error('Unhandled error while serving', req.url, error);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});

server.on('error', (error) => {
  console.error(`The web server could not start: ${error.message}`);
  process.exit(1);
});
server.listen(port, hostname, () => {
  console.log(`▲ Aura Data dashboard ready on http://${hostname ?? 'localhost'}:${port}`);
});

// As `next start` does: stop accepting connections, let pending requests finish, then exit.
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close((error) => {
    if (error) console.error(error);
    app
      .close()
      .catch(console.error)
      .finally(() => process.exit(0));
  });
  // Idle keep-alive connections would hold close() open.
  server.closeIdleConnections();
  // So would the dashboard's live streams (server-sent events), which never end on their own:
  // requests in flight get a moment to finish, then every connection is closed.
  setTimeout(() => server.closeAllConnections(), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
