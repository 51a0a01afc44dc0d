import type { IncomingMessage, ServerResponse } from 'node:http';
import { openDatabase, type AuraDb } from '@aura/db';
import type { TRPCError } from '@trpc/server';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { CLIENT_ADDRESS_HEADER, createRequestContext } from '../context';
import { appRouter } from '../root';
import { logUnhandledError } from '../trpc';
import {
  MAX_DISCARDED_BYTES,
  MAX_REQUEST_BODY_BYTES,
  batchRefusal,
  declaredBodyRefusal,
  streamedBodyRefusal,
  urlRefusal,
} from './caps';
import { serveDirect, requestHeaders } from './direct';
import { API_ENDPOINT } from './endpoint';

/** IPv4 clients of a dual-stack socket show as ::ffff:a.b.c.d: keep the plain form. */
function socketAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Writes the socket's address into CLIENT_ADDRESS_HEADER, over any value a client sent, and drops
 * a client-sent X-Forwarded-For unless a trusted proxy is in front (AURA_TRUST_PROXY=1). The
 * process must also set AURA_CLIENT_ADDRESS_STAMPED=1 for the API to believe the header.
 */
export function stampClientAddress(req: IncomingMessage): void {
  req.headers[CLIENT_ADDRESS_HEADER] = socketAddress(req);
  if (process.env.AURA_TRUST_PROXY !== '1') delete req.headers['x-forwarded-for'];
}

type BodyRead =
  { body: string | undefined; refusal: null } | { body: undefined; refusal: TRPCError };

/** Reads and drops the rest of a refused body, so the 413 goes out on a reusable connection. */
function discardRest(req: IncomingMessage, alreadyRead: number): Promise<void> {
  return new Promise((resolve) => {
    let dropped = alreadyRead;
    const done = () => {
      req.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > MAX_DISCARDED_BYTES) {
        // Too large even to drop: the client gets no answer, the connection is closed.
        req.destroy();
        done();
      }
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

/**
 * The body of a request within MAX_REQUEST_BODY_BYTES, as text, or the refusal every call of it
 * gets: from its Content-Length when that is over the cap, else counted while it streams in.
 */
function readBoundedBody(req: IncomingMessage): Promise<BodyRead> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    return Promise.resolve({ body: undefined, refusal: null });
  }
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_REQUEST_BODY_BYTES) {
    const refusal = declaredBodyRefusal(declared);
    return discardRest(req, 0).then(() => ({ body: undefined, refusal }));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= MAX_REQUEST_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      chunks.length = 0;
      const refusal = streamedBodyRefusal();
      void discardRest(req, received).then(() => resolve({ body: undefined, refusal }));
    };
    const onEnd = () => {
      cleanup();
      resolve({ body: Buffer.concat(chunks, received).toString('utf8'), refusal: null });
    };
    // The client went away mid-body: answer nothing useful, tRPC sees no body.
    const onError = () => {
      cleanup();
      resolve({ body: undefined, refusal: null });
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
}

export interface ApiHandlerOptions {
  /** The connection the procedures use; default: one opened at AURA_DB_PATH. */
  db?: AuraDb;
  /**
   * Answer the common calls directly (./direct) and only the rest through tRPC's adapter; default
   * true. false sends everything through the adapter (the reference the tests compare with).
   */
  direct?: boolean;
}

export type ApiRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The tRPC endpoint on Node's own HTTP server (no framework in between): the same auth (bearer API
 * token or session cookie), caps (1 MiB body and 8 KiB URL → 413, more than MAX_BATCH_CALLS calls
 * → 400), error shape, method override for large query inputs and error logging as every other
 * entry (./fetch for `next dev`). Call stampClientAddress first when the socket is the client's.
 */
export function createApiRequestHandler(options: ApiHandlerOptions = {}): ApiRequestHandler {
  const db = options.db ?? openDatabase();
  const direct = options.direct ?? true;
  return async (req, res) => {
    const url = req.url ?? '/';
    const longUrl = urlRefusal(url);
    const { body, refusal } = longUrl
      ? { body: undefined, refusal: longUrl }
      : await readBoundedBody(req);
    const queryAt = url.indexOf('?');
    let path: string;
    try {
      path = decodeURIComponent(
        url.slice(API_ENDPOINT.length + 1, queryAt < 0 ? undefined : queryAt),
      );
    } catch {
      path = '';
    }
    if (direct && !refusal) {
      const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
      if (await serveDirect(db, req, res, path, query, body)) return;
    }
    // The adapter reads a body already taken from the stream here instead of the stream.
    Object.assign(req, { body });
    await nodeHTTPRequestHandler({
      req,
      res,
      path,
      router: appRouter,
      allowMethodOverride: true,
      // Over a cap, every call of the request gets the refusal (raised while creating the
      // context, so tRPC answers in its own shape and status: 413 or 400).
      createContext: ({ info }) => {
        const error = refusal ?? batchRefusal(info.calls.length);
        if (error) throw error;
        return createRequestContext({
          db,
          headers: requestHeaders(req),
          resHeaders: new Headers(),
        });
      },
      // Login and logout set the session cookie through the context's response headers.
      responseMeta: ({ ctx }) => (ctx?.resHeaders ? { headers: ctx.resHeaders } : {}),
      onError: logUnhandledError,
    });
  };
}
