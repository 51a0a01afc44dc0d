import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { Readable } from 'node:stream';
import { backupDownload, createRequestContext, toTRPCError } from '@aura/api';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { getDb } from '@/server/db';

/**
 * The file of a recorded backup run, for an admin (session cookie or API token), streamed as an
 * attachment. Only the file a successful BackupRuns row names, inside the backup folder, is ever
 * sent (checks in @aura/api's backupDownload). A backup is a closed copy, never the live database.
 */
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function problem(status: number, message: string): Response {
  return Response.json({ error: message }, { status, headers: { 'cache-control': 'no-store' } });
}

async function serve(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const ctx = createRequestContext({ db: getDb(), headers: request.headers });
  if (!ctx.principal) return problem(401, 'Sign in to download backups');
  if (ctx.principal.role !== 'admin') return problem(403, 'Only an admin may download backups');
  if (id.length > 64) return problem(400, 'Not a backup run id');

  let fd: number;
  let name: string;
  try {
    const file = backupDownload(ctx.db, id);
    fd = openSync(file.path, 'r');
    name = file.name;
  } catch (error) {
    const mapped = toTRPCError(error);
    if (!mapped) {
      console.error('[aura-web] backup download failed', error);
      return problem(500, 'Internal error');
    }
    return problem(getHTTPStatusCodeFromError(mapped), mapped.message);
  }
  const size = fstatSync(fd).size;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const headers = {
    'content-type': 'application/vnd.sqlite3',
    'content-length': String(size),
    'content-disposition': `attachment; filename="${ascii}"`,
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
  };
  if (request.method === 'HEAD' || size === 0) {
    closeSync(fd);
    return new Response(null, { status: 200, headers });
  }
  const stream = createReadStream('', { fd, autoClose: true });
  request.signal.addEventListener('abort', () => stream.destroy(), { once: true });
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
    status: 200,
    headers,
  });
}

export { serve as GET, serve as HEAD };
