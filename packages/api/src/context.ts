import { randomUUID } from 'node:crypto';
import type { AuraDb } from '@aura/db';
import { SESSION_COOKIE, resolveApiToken, resolveSession, type Principal } from './auth/service';
import type { Context } from './trpc';

export interface CreateContextOptions {
  db: AuraDb;
  /** The authenticated caller of a direct (in-process) call; null or absent: anonymous. */
  principal?: Principal | null;
  sessionToken?: string | null;
  resHeaders?: Headers | null;
  userAgent?: string | null;
  correlationId?: string | null;
  batch?: boolean;
}

/** One context per request (or per direct call): a fresh request id for log correlation. */
export function createContext({
  db,
  principal = null,
  sessionToken = null,
  resHeaders = null,
  userAgent = null,
  correlationId = null,
  batch = false,
}: CreateContextOptions): Context {
  return {
    db,
    requestId: randomUUID(),
    principal,
    actor: principal?.userId ?? null,
    sessionToken,
    resHeaders,
    userAgent,
    correlationId,
    batch,
  };
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/**
 * The principal of an HTTP request: an API token (`Authorization: Bearer aura_pat_…`) or the
 * dashboard's session cookie. An unknown, expired or revoked credential is anonymous.
 */
export function principalFromHeaders(
  db: AuraDb,
  headers: Headers,
): { principal: Principal | null; sessionToken: string | null } {
  const authorization = headers.get('authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return { principal: resolveApiToken(db, bearer), sessionToken: null };
  const sessionToken = readCookie(headers.get('cookie'), SESSION_COOKIE);
  return { principal: sessionToken ? resolveSession(db, sessionToken) : null, sessionToken };
}

/** Context of an HTTP request (the Next.js route handler and server components). */
export function createRequestContext(options: {
  db: AuraDb;
  headers: Headers;
  resHeaders?: Headers | null;
}): Context {
  const { principal, sessionToken } = principalFromHeaders(options.db, options.headers);
  return createContext({
    db: options.db,
    principal,
    sessionToken,
    resHeaders: options.resHeaders ?? null,
    userAgent: options.headers.get('user-agent'),
    correlationId: options.headers.get('x-correlation-id')?.slice(0, 100) || null,
    batch: options.headers.get('x-aura-batch') === '1',
  });
}
