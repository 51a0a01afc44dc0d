/**
 * The tRPC endpoint alone (the dashboard's handler, @aura/api/http's source) for `pnpm
 * bench:live`: one connection at AURA_DB_PATH. Prints `listening <port>`.
 *   node --import tsx bench/live/server.ts
 */
import { createServer } from 'node:http';
import { createApiRequestHandler } from '../../src/http/node';

const handle = createApiRequestHandler();
const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error('request failed', error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
