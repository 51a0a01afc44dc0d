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
  clientAddress?: string | null;
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
  clientAddress = null,
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
    clientAddress,
    correlationId,
    batch,
  };
}

/** Credentials longer than this are not ours (tokens are about 50 characters): anonymous. */
const MAX_CREDENTIAL_LENGTH = 512;

/**
 * Reads one cookie from a Cookie header. Never throws: a value that is not valid
 * percent-encoding, too long, or given more than once is treated as absent (anonymous).
 */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== name) continue;
    if (found !== null) return null;
    const raw = part.slice(separator + 1).trim();
    if (raw.length > MAX_CREDENTIAL_LENGTH) return null;
    try {
      found = decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return found;
}

/**
 * The principal of an HTTP request: an API token (`Authorization: Bearer aura_pat_…`) or the
 * dashboard's session cookie. An unknown, expired, revoked or malformed credential is anonymous.
 */
export function principalFromHeaders(
  db: AuraDb,
  headers: Headers,
): { principal: Principal | null; sessionToken: string | null } {
  const authorization = headers.get('authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) {
    if (bearer.length > MAX_CREDENTIAL_LENGTH) return { principal: null, sessionToken: null };
    return { principal: resolveApiToken(db, bearer), sessionToken: null };
  }
  const sessionToken = readCookie(headers.get('cookie'), SESSION_COOKIE);
  return { principal: sessionToken ? resolveSession(db, sessionToken) : null, sessionToken };
}

/** Set by the dashboard's server (apps/web/server.mjs) from the socket, over any client value. */
export const CLIENT_ADDRESS_HEADER = 'x-aura-client-address';

/**
 * The client address used to throttle logins. Behind a proxy the operator trusts
 * (AURA_TRUST_PROXY=1) it is the last X-Forwarded-For entry (the one that proxy appended);
 * otherwise the socket address the dashboard's server stamped. That header is believed only when
 * that server runs (it sets AURA_CLIENT_ADDRESS_STAMPED): under `next dev` or a bare `next start`
 * a client could write it, so every client shares one bucket (null) there.
 */
export function clientAddressFromHeaders(headers: Headers): string | null {
  const address =
    process.env.AURA_TRUST_PROXY === '1'
      ? headers.get('x-forwarded-for')?.split(',').pop()
      : process.env.AURA_CLIENT_ADDRESS_STAMPED === '1'
        ? headers.get(CLIENT_ADDRESS_HEADER)
        : null;
  const trimmed = address?.trim();
  return trimmed ? trimmed.slice(0, 64) : null;
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
    userAgent: options.headers.get('user-agent')?.slice(0, 300) ?? null,
    clientAddress: clientAddressFromHeaders(options.headers),
    correlationId: options.headers.get('x-correlation-id')?.slice(0, 100) || null,
    batch: options.headers.get('x-aura-batch') === '1',
  });
}
