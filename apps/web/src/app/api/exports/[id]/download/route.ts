import { closeSync, createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createRequestContext, openExportDownload, parseByteRange, toTRPCError } from '@aura/api';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { getDb } from '@/server/db';

/**
 * The output file of a completed export, for any signed-in user (session cookie or API token):
 * streamed, with Range support so a video player can seek (206 with Content-Range; 416 for a
 * range that cannot be served). Only the export's own file inside the output directory is ever
 * sent (checks in @aura/api's openExportDownload). `?inline=1` asks the browser to play it.
 */
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function problem(status: number, message: string, extra: Record<string, string> = {}): Response {
  return Response.json(
    { error: message },
    { status, headers: { 'cache-control': 'no-store', ...extra } },
  );
}

/** RFC 6266: an ASCII fallback and the exact UTF-8 name. */
function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function serve(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const ctx = createRequestContext({ db: getDb(), headers: request.headers });
  if (!ctx.principal) return problem(401, 'Sign in to download exports');

  let file;
  try {
    file = openExportDownload(ctx.db, id);
  } catch (error) {
    const mapped = toTRPCError(error);
    if (!mapped) {
      console.error('[aura-web] export download failed', error);
      return problem(500, 'Internal error');
    }
    return problem(getHTTPStatusCodeFromError(mapped), mapped.message);
  }

  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    'content-type': file.contentType,
    'content-disposition': disposition(
      new URL(request.url).searchParams.get('inline') === '1' ? 'inline' : 'attachment',
      file.name,
    ),
    'last-modified': file.modifiedAt.toUTCString(),
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
  };
  const range = parseByteRange(request.headers.get('range'), file.size);
  if (range === 'unsatisfiable') {
    closeSync(file.fd);
    return problem(416, 'The requested range cannot be served', {
      'content-range': `bytes */${file.size}`,
    });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? file.size - 1;
  const length = file.size === 0 ? 0 : end - start + 1;
  headers['content-length'] = String(length);
  if (range) headers['content-range'] = `bytes ${start}-${end}/${file.size}`;
  const status = range ? 206 : 200;

  if (request.method === 'HEAD' || length === 0) {
    closeSync(file.fd);
    return new Response(null, { status, headers });
  }
  // The descriptor opened after the checks: the stream reads exactly that file and closes it,
  // also when the client goes away mid-download.
  const stream = createReadStream('', { fd: file.fd, start, end, autoClose: true });
  request.signal.addEventListener('abort', () => stream.destroy(), { once: true });
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status, headers });
}

export { serve as GET, serve as HEAD };
