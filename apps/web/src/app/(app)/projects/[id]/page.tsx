import { TRPCError } from '@trpc/server';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ProjectView } from '@/components/project/ProjectView';
import { nextVersionCursor, versionListInput } from '@/components/versions/queries';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Project · Aura Data' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One project, rendered with its scenes, assets and checkpoints; an unknown id is the 404. */
export default async function ProjectPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ tab?: string | string[] }>;
}) {
  const { id } = await params;
  const { tab } = await searchParams;
  if (!UUID.test(id)) notFound();
  const queryClient = getQueryClient();
  try {
    await queryClient.fetchQuery(trpc.projects.get.queryOptions({ id }));
  } catch (error) {
    if (error instanceof TRPCError && (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST'))
      notFound();
    throw error;
  }
  await queryClient.prefetchQuery(trpc.projects.audit.queryOptions({ id }));
  // A link straight to the history renders it on the server too, not after a client fetch.
  if (tab === 'versions') {
    await queryClient.prefetchInfiniteQuery(
      trpc.versions.list.infiniteQueryOptions(versionListInput(id), {
        getNextPageParam: nextVersionCursor,
      }),
    );
    await queryClient.prefetchQuery(trpc.versions.stats.queryOptions({ projectId: id }));
  }
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ProjectView id={id} />
    </HydrationBoundary>
  );
}
