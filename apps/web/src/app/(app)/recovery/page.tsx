import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { RecoveryConsole } from '@/components/recovery/RecoveryConsole';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Recovery · Aura Data' };

export default async function RecoveryPage() {
  await requirePrincipal();
  const queryClient = getQueryClient();
  await queryClient.prefetchQuery(trpc.recovery.list.queryOptions({}));
  return (
    <Stack gap="md" maw={1300}>
      <div>
        <Title order={1}>Recovery</Title>
        <Text c="dimmed">
          Runs that stopped part-way (the server or the worker went away): open the project to
          resume from its last valid checkpoint, or give it up.
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <RecoveryConsole />
      </HydrationBoundary>
    </Stack>
  );
}
