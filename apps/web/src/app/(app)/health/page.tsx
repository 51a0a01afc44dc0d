import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { HealthConsole } from '@/components/health/HealthConsole';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Health · Aura Data' };

export default async function HealthPage() {
  await requirePrincipal();
  const queryClient = getQueryClient();
  await queryClient.prefetchQuery(trpc.health.details.queryOptions());
  return (
    <Stack gap="md" maw={1200}>
      <div>
        <Title order={1}>Health</Title>
        <Text c="dimmed">
          The page to look at when something is wrong. (The public health endpoint only says up or
          down.)
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <HealthConsole />
      </HydrationBoundary>
    </Stack>
  );
}
