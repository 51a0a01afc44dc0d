/**
 * The production web server: Next.js behind a plain Node HTTP server, so that the app can know
 * the address each request really comes from. Next's route handlers never see the socket, and
 * the X-Forwarded-For that `next start` passes on is whatever the client sent. Here the socket's
 * address is written into CLIENT_ADDRESS_HEADER, overwriting any value a client sent, and unless
 * a trusted proxy is in front (AURA_TRUST_PROXY=1) a client-sent X-Forwarded-For is dropped.
 *
 * Environment: AURA_WEB_PORT (default 3000), AURA_WEB_HOST (default: every interface).
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';

/** Read by clientAddressFromHeaders in @aura/api (keep the two names equal). */
const CLIENT_ADDRESS_HEADER = 'x-aura-client-address';

const dir = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.AURA_WEB_PORT || 3000);
const hostname = process.env.AURA_WEB_HOST || undefined;
const trustProxy = process.env.AURA_TRUST_PROXY === '1';
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(
    `AURA_WEB_PORT must be a port number (1-65535), got "${process.env.AURA_WEB_PORT}"`,
  );
  process.exit(1);
}

process.env.NODE_ENV = 'production';
// Tells @aura/api that CLIENT_ADDRESS_HEADER comes from this server: under `next dev` or a bare
// `next start` nothing stamps it, so a client could write it and it must be ignored there.
process.env.AURA_CLIENT_ADDRESS_STAMPED = '1';
const app = next({ dev: false, dir, hostname: hostname ?? 'localhost', port });
const handle = app.getRequestHandler();
await app.prepare();

/** IPv4 clients of a dual-stack socket show as ::ffff:a.b.c.d: keep the plain form. */
function socketAddress(req) {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const server = createServer((req, res) => {
  req.headers[CLIENT_ADDRESS_HEADER] = socketAddress(req);
  // Next fills a missing X-Forwarded-For from the socket itself.
  if (!trustProxy) delete req.headers['x-forwarded-for'];
  handle(req, res).catch((error) => {
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
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
