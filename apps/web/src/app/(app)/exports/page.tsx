import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import type { SearchParams } from 'nuqs/server';
import { ExportsView } from '@/components/exports/ExportsView';
import {
  exportListInput,
  loadExportSearchParams,
  nextExportCursor,
} from '@/components/exports/search-params';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Exports · Aura Data' };

/** Every export job, rendered with its data; the browser keeps it live. */
export default async function ExportsPage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  const { status } = await loadExportSearchParams(searchParams);
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchInfiniteQuery(
      trpc.exports.list.infiniteQueryOptions(exportListInput(status), {
        getNextPageParam: nextExportCursor,
      }),
    ),
    queryClient.prefetchQuery(trpc.exports.presets.queryOptions()),
  ]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ExportsView />
    </HydrationBoundary>
  );
}
