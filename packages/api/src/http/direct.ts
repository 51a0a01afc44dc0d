import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  type AnyTRPCProcedure,
} from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { AuraDb } from '@aura/db';
import { createRequestContext } from '../context';
import { appRouter } from '../root';
import { logUnhandledError, type Context } from '../trpc';
import { MAX_BATCH_CALLS } from '../client';

/**
 * The common shape of a tRPC call answered without tRPC's fetch layer: queries by GET, queries and
 * mutations by POST with a JSON body, single or batched (`?batch=1`). tRPC's own adapter turns
 * every request into a fetch Request with an AbortSignal and every answer into a Response read
 * back through a web stream; for a call that takes a few hundred microseconds that was most of
 * the time (see the README's speed section). The procedures, their middlewares, the error shape
 * and the status codes are tRPC's own (its public functions); anything else — subscriptions,
 * streaming or form-data requests, malformed input, unknown paths, a method the procedure does
 * not accept, a request over a cap — returns false, and the caller hands the request to tRPC's
 * adapter, which answers it as it always did. test/http-direct.test.ts checks that both answer
 * alike.
 */

interface Call {
  path: string;
  procedure: AnyTRPCProcedure;
  input: unknown;
}

type Reply = { result: { data: unknown } } | { error: ReturnType<typeof getTRPCErrorShape> };

// tRPC keeps every procedure by its dotted path here (its own types describe the nested record);
// the tests check that the common calls take this path.
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  AnyTRPCProcedure | undefined
>;
const config = appRouter._def._config;

/** `application/json` (any parameters), as tRPC reads the content type. */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

/** A client that asks for tRPC's streamed answers (httpBatchStreamLink) gets them from tRPC. */
function wantsStream(req: IncomingMessage): boolean {
  if (req.headers['trpc-accept'] !== undefined) return true;
  return Boolean(
    req.headers.accept?.split(',').some((type) => type.trim() === 'application/jsonl'),
  );
}

/** The calls of a request this path can answer, or null for tRPC's adapter to answer it. */
function callsOf(
  req: IncomingMessage,
  method: string,
  path: string,
  query: URLSearchParams,
  body: string | undefined,
): Call[] | null {
  const batch = query.get('batch') === '1';
  if (query.has('connectionParams') || wantsStream(req)) return null;
  let inputs: unknown;
  try {
    if (method === 'GET') {
      const text = query.get('input');
      inputs = text ? JSON.parse(text) : undefined;
    } else if (method === 'POST' && isJson(req.headers['content-type']) && body) {
      inputs = JSON.parse(body);
    } else {
      return null;
    }
  } catch {
    return null;
  }
  const paths = batch ? path.split(',') : [path];
  if (paths.length > MAX_BATCH_CALLS) return null;
  if (batch && inputs !== undefined && (typeof inputs !== 'object' || inputs === null)) return null;
  const calls: Call[] = [];
  let kind: string | undefined;
  for (const [index, name] of paths.entries()) {
    const procedure = Object.hasOwn(procedures, name) ? procedures[name] : undefined;
    if (!procedure) return null;
    const type = procedure._def.type;
    // GET reads; POST writes, or reads whose input is too large for a URL (method override).
    if (type === 'subscription' || (method === 'GET' && type !== 'query')) return null;
    // tRPC refuses a batch that mixes queries and mutations.
    if (kind !== undefined && kind !== type) return null;
    kind = type;
    const input = batch ? (inputs as Record<string, unknown> | undefined)?.[index] : inputs;
    calls.push({ path: name, procedure, input });
  }
  return calls;
}

async function run(call: Call, ctx: Context, batchIndex: number): Promise<Reply> {
  const type = call.procedure._def.type;
  try {
    const data: unknown = await call.procedure({
      path: call.path,
      getRawInput: () => Promise.resolve(call.input),
      ctx,
      type,
      signal: undefined,
      batchIndex,
    });
    return { result: { data } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    logUnhandledError({ error, path: call.path });
    const shape = getTRPCErrorShape({
      config,
      ctx,
      error,
      input: call.input,
      path: call.path,
      type,
    });
    return { error: shape };
  }
}

/**
 * Answers the request if it has the common shape (see above) and returns true; returns false,
 * having written nothing, when tRPC's adapter must answer it. `body` is the request's body as
 * read within the caps (undefined for GET).
 */
export async function serveDirect(
  db: AuraDb,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  queryString: string,
  body: string | undefined,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const query = new URLSearchParams(queryString);
  const calls = callsOf(req, method, path, query, body);
  if (!calls) return false;

  const resHeaders = new Headers();
  let ctx: Context;
  try {
    ctx = createRequestContext({ db, headers: requestHeaders(req), resHeaders });
  } catch {
    // tRPC answers a request whose context fails in its own shape.
    return false;
  }
  const untransformed = await Promise.all(calls.map((call, index) => run(call, ctx, index)));
  // A single call is answered with its reply itself, a batch with the list of them.
  const [single] = untransformed;
  const batch = query.get('batch') === '1' || !single;
  const payload = batch
    ? untransformed.map((reply) => transformTRPCResponse(config, reply))
    : transformTRPCResponse(config, single);
  const text = JSON.stringify(payload);

  res.statusCode = getHTTPStatusCode(batch ? untransformed : single);
  res.setHeader('vary', 'trpc-accept, accept');
  res.setHeader('content-type', 'application/json');
  // Login and logout set the session cookie through the context's response headers.
  const cookies = resHeaders.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  for (const [name, value] of resHeaders) if (name !== 'set-cookie') res.setHeader(name, value);
  res.end(text);
  return true;
}

/** The request's headers as fetch Headers (what the context reads). */
export function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.append(name, value);
  }
  return headers;
}
