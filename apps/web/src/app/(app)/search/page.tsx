import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { createLoader, parseAsString, type SearchParams } from 'nuqs/server';
import { RESULTS_LIMIT, SearchResults } from '@/components/search/SearchResults';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Search · Aura Data' };

const loadSearchParams = createLoader({ q: parseAsString.withDefault('') });

export default async function SearchPage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  await requirePrincipal();
  const { q } = await loadSearchParams(searchParams);
  const term = q.trim();
  const queryClient = getQueryClient();
  // Prefetched only when the API would accept it; an over-long ?q= shows the field's error.
  if (term && term.length <= 200)
    await queryClient.prefetchQuery(
      trpc.search.global.queryOptions({ q: term, limit: RESULTS_LIMIT }),
    );
  return (
    <Stack gap="lg" maw={900}>
      <div>
        <Title order={1}>Search</Title>
        <Text c="dimmed">Projects, scene scripts, templates and custom templates.</Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <SearchResults />
      </HydrationBoundary>
    </Stack>
  );
}
