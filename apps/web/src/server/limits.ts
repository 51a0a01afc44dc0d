import 'server-only';
import { MAX_BATCH_CALLS } from '@aura/api/client';
import { TRPCError } from '@trpc/server';

/**
 * Caps of the tRPC endpoint, checked before anything is parsed: a request over them is answered
 * with a tRPC error (the typed client reads it) and costs at most MAX_BODY_BYTES of memory.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Node itself refuses more than 16 KiB of headers (431); the client stays under 2,000. */
export const MAX_URL_LENGTH = 8 * 1024;

function tooLarge(what: string, limit: string): TRPCError {
  return new TRPCError({
    code: 'PAYLOAD_TOO_LARGE',
    message: `The request ${what} is over the limit of ${limit}`,
  });
}

/** Beyond this a refused body is not read to its end: the connection is dropped instead. */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

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
 * The request with its body read into memory, or the error every call of it gets. The body is
 * refused from its Content-Length when that is over the cap, else counted while it streams in
 * (a missing or false Content-Length gains nothing).
 */
export async function boundedRequest(
  req: Request,
): Promise<{ request: Request; refusal: TRPCError | null }> {
  const refuse = (refusal: TRPCError) => ({
    request: new Request(req.url, { method: req.method, headers: req.headers, signal: req.signal }),
    refusal,
  });
  if (req.url.length > MAX_URL_LENGTH)
    return refuse(
      tooLarge(
        `URL (${req.url.length} characters)`,
        `${MAX_URL_LENGTH} characters: send large inputs by POST`,
      ),
    );
  if (!req.body) return { request: req, refusal: null };

  const bodyLimit = `${MAX_BODY_BYTES / 1024 / 1024} MiB`;
  const reader = req.body.getReader();
  const declared = Number(req.headers.get('content-length'));
  if (declared > MAX_BODY_BYTES) {
    await discard(reader);
    return refuse(tooLarge(`body (${declared} bytes)`, bodyLimit));
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > MAX_BODY_BYTES) {
      await discard(reader);
      return refuse(tooLarge(`body (more than ${MAX_BODY_BYTES} bytes)`, bodyLimit));
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

/** A batch of more calls than the typed client ever sends (MAX_BATCH_CALLS) is refused whole. */
export function batchRefusal(calls: number): TRPCError | null {
  if (calls <= MAX_BATCH_CALLS) return null;
  return new TRPCError({
    code: 'BAD_REQUEST',
    message: `A request may batch at most ${MAX_BATCH_CALLS} calls; this one has ${calls}`,
  });
}
