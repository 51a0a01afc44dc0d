import { Readable } from 'node:stream';
import { createRequestContext, openExportArchive, toTRPCError } from '@aura/api';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { getDb } from '@/server/db';

/**
 * "Download my data" (issue 13): the zip of everything the installation holds about the caller
 * (session cookie or API token), or, for an admin, about `?userId=`. Streamed as it is written
 * (@aura/api's openExportArchive): the archive is never held in memory.
 */
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function problem(status: number, message: string): Response {
  return Response.json({ error: message }, { status, headers: { 'cache-control': 'no-store' } });
}

export function GET(request: Request): Response {
  const ctx = createRequestContext({ db: getDb(), headers: request.headers });
  if (!ctx.principal) return problem(401, 'Sign in to download your data');
  const userId = new URL(request.url).searchParams.get('userId') ?? undefined;
  if (userId !== undefined && !/^[0-9a-f-]{36}$/i.test(userId))
    return problem(400, 'userId must be a user id');

  let archive;
  try {
    archive = openExportArchive(ctx.db, ctx.principal, userId);
  } catch (error) {
    const mapped = toTRPCError(error);
    if (!mapped) {
      console.error('[aura-web] personal data export failed', error);
      return problem(500, 'Internal error');
    }
    return problem(getHTTPStatusCodeFromError(mapped), mapped.message);
  }
  const { stream, fileName } = archive;
  // A client that goes away ends the export and its read transaction.
  request.signal.addEventListener('abort', () => stream.destroy(), { once: true });
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
