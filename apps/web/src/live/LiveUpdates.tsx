'use client';

import { useQueryClient, type Query, type QueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useRef } from 'react';
import { useTRPC } from '@/trpc/react';
import {
  publishLiveConnection,
  publishLiveEvent,
  type LiveEvent,
  type LiveExportProgress,
  type LiveTopic,
} from './use-live';

/**
 * The routers whose queries read each topic's tables. A query is refreshed when its router is
 * named here (routers added later are covered by naming them once).
 */
const TOPIC_ROUTERS: Record<LiveTopic, readonly string[]> = {
  projects: ['projects', 'recovery', 'search', 'trash'],
  scenes: ['scenes', 'projects', 'search'],
  assets: ['assets', 'projects', 'storage'],
  checkpoints: ['checkpoints', 'recovery', 'projects'],
  exports: ['exports'],
  versions: ['versions', 'storage', 'trash'],
  actions: ['actions', 'projects'],
  worker: ['worker', 'health'],
  backups: ['backups', 'health'],
  config: ['config', 'system', 'setup', 'health'],
  templates: ['templates'],
  customTemplates: ['customTemplates', 'trash'],
  users: ['users', 'auth'],
};

/** The router a tRPC query key belongs to (`[['exports', 'list'], { input, type }]`). */
function routerOf(query: Query): string | undefined {
  const path: unknown = query.queryKey[0];
  return Array.isArray(path) && typeof path[0] === 'string' ? path[0] : undefined;
}

/** Writes pushed progress into cached export rows (a list page, an infinite list, one export). */
function patchExports(queryClient: QueryClient, progress: readonly LiveExportProgress[]): void {
  if (progress.length === 0) return;
  const byId = new Map(progress.map((item) => [item.id, item]));
  const patchRow = (row: unknown): unknown => {
    if (typeof row !== 'object' || row === null || !('id' in row)) return row;
    const live = byId.get(String(row.id));
    if (!live || !('progress' in row)) return row;
    if (row.progress === live.progress && 'status' in row && row.status === live.status) return row;
    return { ...row, progress: live.progress, status: live.status };
  };
  const patchPage = (page: unknown): unknown => {
    if (typeof page !== 'object' || page === null || !('items' in page)) return patchRow(page);
    const items = page.items;
    return Array.isArray(items) ? { ...page, items: items.map(patchRow) } : page;
  };
  queryClient.setQueriesData(
    { predicate: (query) => routerOf(query) === 'exports' },
    (data: unknown) => {
      if (typeof data !== 'object' || data === null) return data;
      if ('pages' in data && Array.isArray(data.pages)) {
        return { ...data, pages: data.pages.map(patchPage) };
      }
      return patchPage(data);
    },
  );
}

/**
 * The tab's one live stream (server-sent events from `live.changes`), mounted once in the
 * signed-in frame. Each event refreshes the queries of the routers behind its topics (active
 * queries refetch, the rest are marked stale) and writes export progress straight into the
 * cache, so every page built from tRPC queries is live without code of its own. After a
 * reconnect everything is refreshed: events may have been missed meanwhile.
 */
export function LiveUpdates() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const everConnected = useRef(false);

  const onData = (event: LiveEvent) => {
    const routers = new Set(event.topics.flatMap((topic) => TOPIC_ROUTERS[topic]));
    if (routers.size > 0) {
      void queryClient.invalidateQueries({
        predicate: (query) => routers.has(routerOf(query) ?? ''),
      });
    }
    if (event.exports) patchExports(queryClient, event.exports);
    publishLiveEvent(event);
  };

  const subscription = useSubscription(
    trpc.live.changes.subscriptionOptions(undefined, {
      onStarted: () => {
        // A reconnect: whatever changed while the stream was down is refetched.
        if (everConnected.current) void queryClient.invalidateQueries();
        everConnected.current = true;
      },
      onData,
    }),
  );

  const status = subscription.status;
  useEffect(() => {
    publishLiveConnection(status === 'pending');
  }, [status]);

  return null;
}
