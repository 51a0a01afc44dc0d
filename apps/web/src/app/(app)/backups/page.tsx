import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { AdminOnly } from '@/components/admin/feedback';
import { BackupsConsole } from '@/components/backups/BackupsConsole';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Backups · Aura Data' };

export default async function BackupsPage() {
  const principal = await requirePrincipal();
  const heading = (
    <div>
      <Title order={1}>Backups</Title>
      <Text c="dimmed">Online backups of the database: scheduled by the worker, or taken now.</Text>
    </div>
  );
  if (principal.role !== 'admin') {
    return (
      <Stack gap="md" maw={1200}>
        {heading}
        <AdminOnly what="manage backups">
          Backups hold every user&apos;s data, so only an admin can take, schedule or download them.
        </AdminOnly>
      </Stack>
    );
  }
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.backups.list.queryOptions({ limit: 50 })),
    queryClient.prefetchQuery(trpc.backups.schedule.queryOptions()),
    queryClient.prefetchQuery(trpc.backups.settings.queryOptions()),
    queryClient.prefetchQuery(trpc.backups.restoreSteps.queryOptions()),
  ]);
  return (
    <Stack gap="md" maw={1200}>
      {heading}
      <HydrationBoundary state={dehydrate(queryClient)}>
        <BackupsConsole />
      </HydrationBoundary>
    </Stack>
  );
}
