import 'server-only';
import { createRequestContext } from '@aura/api';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from './db';

/** The request's tRPC context, from its cookie or bearer token (server components). */
export async function requestContext() {
  return createRequestContext({ db: getDb(), headers: await headers() });
}

/** The signed-in user of a page, or a redirect to the login page. */
export async function requirePrincipal() {
  const ctx = await requestContext();
  if (!ctx.principal) redirect('/login');
  return ctx.principal;
}
