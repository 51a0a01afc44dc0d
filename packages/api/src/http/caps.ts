import { TRPCError } from '@trpc/server';
import { MAX_BATCH_CALLS } from '../client';

/**
 * Caps of the tRPC endpoint, checked before anything is parsed: a request over them is answered
 * with a tRPC error (the typed client reads it) and costs at most MAX_REQUEST_BODY_BYTES of memory.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
/** Node itself refuses more than 16 KiB of headers (431); the typed client stays under 2,000. */
export const MAX_REQUEST_URL_LENGTH = 8 * 1024;
/** Beyond this a refused body is not read to its end: the connection is dropped instead. */
export const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

const BODY_LIMIT = `${MAX_REQUEST_BODY_BYTES / 1024 / 1024} MiB`;

function tooLarge(what: string, limit: string): TRPCError {
  return new TRPCError({
    code: 'PAYLOAD_TOO_LARGE',
    message: `The request ${what} is over the limit of ${limit}`,
  });
}

/** The refusal of a URL over MAX_REQUEST_URL_LENGTH; null when it is within. */
export function urlRefusal(url: string): TRPCError | null {
  if (url.length <= MAX_REQUEST_URL_LENGTH) return null;
  return tooLarge(
    `URL (${url.length} characters)`,
    `${MAX_REQUEST_URL_LENGTH} characters: send large inputs by POST`,
  );
}

/** The refusal of a body whose Content-Length is over the cap. */
export function declaredBodyRefusal(declared: number): TRPCError {
  return tooLarge(`body (${declared} bytes)`, BODY_LIMIT);
}

/** The refusal of a body found over the cap while it streamed in. */
export function streamedBodyRefusal(): TRPCError {
  return tooLarge(`body (more than ${MAX_REQUEST_BODY_BYTES} bytes)`, BODY_LIMIT);
}

/** A batch of more calls than the typed client ever sends (MAX_BATCH_CALLS) is refused whole. */
export function batchRefusal(calls: number): TRPCError | null {
  if (calls <= MAX_BATCH_CALLS) return null;
  return new TRPCError({
    code: 'BAD_REQUEST',
    message: `A request may batch at most ${MAX_BATCH_CALLS} calls; this one has ${calls}`,
  });
}

/**
 * Reads and drops the rest of a refused body (constant memory), so the client gets the 413 on a
 * connection it can reuse; a body too large even for that is cancelled.
 */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let dropped = 0;
  try {
    while (dropped <= MAX_DISCARDED_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      dropped += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing left to answer.
  }
}

/**
 * For a fetch-style handler (`next dev`'s route): the request with its body read into memory, or
 * the error every call of it gets. The body is refused from its Content-Length when that is over
 * the cap, else counted while it streams in (a missing or false Content-Length gains nothing).
 */
export async function boundedRequest(
  req: Request,
): Promise<{ request: Request; refusal: TRPCError | null }> {
  const refuse = (refusal: TRPCError) => ({
    request: new Request(req.url, { method: req.method, headers: req.headers, signal: req.signal }),
    refusal,
  });
  const longUrl = urlRefusal(req.url);
  if (longUrl) return refuse(longUrl);
  if (!req.body) return { request: req, refusal: null };

  const reader: ReadableStreamDefaultReader<Uint8Array> = req.body.getReader();
  const declared = Number(req.headers.get('content-length'));
  if (declared > MAX_REQUEST_BODY_BYTES) {
    await discard(reader);
    return refuse(declaredBodyRefusal(declared));
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > MAX_REQUEST_BODY_BYTES) {
      await discard(reader);
      return refuse(streamedBodyRefusal());
    }
    chunks.push(value);
  }
  const body = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return {
    request: new Request(req.url, {
      method: req.method,
      headers: req.headers,
      body,
      signal: req.signal,
    }),
    refusal: null,
  };
}
