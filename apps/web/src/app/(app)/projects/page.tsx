import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import type { SearchParams } from 'nuqs/server';
import { DatabaseNotReady, databaseReady } from '@/components/projects/DatabaseNotReady';
import { ProjectsView } from '@/components/projects/ProjectsView';
import {
  TRASH_INPUT,
  loadProjectSearchParams,
  nextCursor,
  projectListInput,
} from '@/components/projects/search-params';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Projects · Aura Data' };

/** The home: every project, filtered and sorted by the URL, rendered with its data. */
export default async function ProjectsPage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  const params = await loadProjectSearchParams(searchParams);
  const queryClient = getQueryClient();
  const health = await queryClient.fetchQuery(trpc.health.details.queryOptions());
  if (!databaseReady(health)) return <DatabaseNotReady health={health} />;
  if (params.trash) {
    await queryClient.prefetchInfiniteQuery(
      trpc.projects.trash.infiniteQueryOptions(TRASH_INPUT, { getNextPageParam: nextCursor }),
    );
  } else {
    await queryClient.prefetchInfiniteQuery(
      trpc.projects.list.infiniteQueryOptions(projectListInput(params), {
        getNextPageParam: nextCursor,
      }),
    );
  }
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ProjectsView />
    </HydrationBoundary>
  );
}
