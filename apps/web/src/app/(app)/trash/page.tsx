import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { nextTrashCursor, TRASH_PAGE } from '@/components/trash/queries';
import { TrashView } from '@/components/trash/TrashView';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Trash · Aura Data' };

export default async function TrashPage() {
  const queryClient = getQueryClient();
  const paging = { getNextPageParam: nextTrashCursor };
  await Promise.all([
    queryClient.prefetchInfiniteQuery(trpc.projects.trash.infiniteQueryOptions(TRASH_PAGE, paging)),
    queryClient.prefetchInfiniteQuery(
      trpc.versions.trashAll.infiniteQueryOptions(TRASH_PAGE, paging),
    ),
    queryClient.prefetchInfiniteQuery(
      trpc.customTemplates.trash.infiniteQueryOptions(TRASH_PAGE, paging),
    ),
    queryClient.prefetchQuery(trpc.trash.deleters.queryOptions()),
  ]);
  return (
    <main className="page">
      <header className="page__header">
        <h1>Trash</h1>
      </header>
      <p className="muted">
        Deleted projects, versions and custom templates stay here until they are restored or purged.
      </p>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <TrashView />
      </HydrationBoundary>
    </main>
  );
}
