import 'server-only';
import { appRouter } from '@aura/api';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { cache } from 'react';
import { requestContext } from '@/server/auth';
import { makeQueryClient } from './query-client';

/** One QueryClient per server request (React's cache is request-scoped). */
export const getQueryClient = cache(makeQueryClient);

/** Server components call procedures directly (no HTTP) through the same query options. */
export const trpc = createTRPCOptionsProxy({
  router: appRouter,
  // The caller's own principal (session cookie), exactly as over HTTP.
  ctx: requestContext,
  queryClient: getQueryClient,
});
