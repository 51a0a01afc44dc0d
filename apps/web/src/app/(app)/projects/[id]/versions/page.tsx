import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { nextVersionCursor, versionListInput, VersionsTab } from '@/components/project/VersionsTab';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Versions · Aura Data' };

/** A project's versions on their own page, until the project page's Versions tab hosts them. */
export default async function ProjectVersionsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const queryClient = getQueryClient();
  try {
    await queryClient.fetchQuery(trpc.projects.get.queryOptions({ id }));
  } catch {
    notFound();
  }
  await Promise.all([
    queryClient.prefetchInfiniteQuery(
      trpc.versions.list.infiniteQueryOptions(versionListInput(id), {
        getNextPageParam: nextVersionCursor,
      }),
    ),
    queryClient.prefetchQuery(trpc.versions.stats.queryOptions({ projectId: id })),
  ]);
  return (
    <main className="page">
      <HydrationBoundary state={dehydrate(queryClient)}>
        <VersionsTab projectId={id} />
      </HydrationBoundary>
    </main>
  );
}
