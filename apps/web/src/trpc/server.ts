import 'server-only';
import { appRouter, createContext } from '@aura/api';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { cache } from 'react';
import { getDb } from '@/server/db';
import { makeQueryClient } from './query-client';

/** One QueryClient per server request (React's cache is request-scoped). */
export const getQueryClient = cache(makeQueryClient);

/** Server components call procedures directly (no HTTP) through the same query options. */
export const trpc = createTRPCOptionsProxy({
  router: appRouter,
  ctx: () => createContext({ db: getDb() }),
  queryClient: getQueryClient,
});
