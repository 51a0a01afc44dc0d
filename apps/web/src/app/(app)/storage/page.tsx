import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { HISTORY_DAYS, StorageConsole } from '@/components/storage/StorageConsole';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Storage · Aura Data' };

export default async function StoragePage() {
  await requirePrincipal();
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.storage.summary.queryOptions()),
    queryClient.prefetchQuery(trpc.storage.history.queryOptions({ days: HISTORY_DAYS })),
    queryClient.prefetchQuery(trpc.storage.largest.queryOptions({ limit: 10 })),
    queryClient.prefetchQuery(trpc.storage.awaiting.queryOptions({ limit: 50 })),
  ]);
  return (
    <Stack gap="md" maw={1200}>
      <div>
        <Title order={1}>Storage</Title>
        <Text c="dimmed">
          Version content is stored once per distinct piece (content-addressed): what the versions
          would weigh as full copies, what is really stored, and what is waiting to be collected.
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <StorageConsole />
      </HydrationBoundary>
    </Stack>
  );
}
