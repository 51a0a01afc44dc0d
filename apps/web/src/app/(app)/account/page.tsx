import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { AccountConsole } from '@/components/admin/AccountConsole';
import { DownloadMyData } from '@/components/privacy/DownloadMyData';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'My account · Aura Data' };

export default async function AccountPage() {
  const principal = await requirePrincipal();
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.auth.tokens.list.queryOptions()),
    queryClient.prefetchQuery(trpc.auth.sessions.queryOptions()),
    queryClient.prefetchQuery(trpc.users.exportData.queryOptions()),
  ]);
  return (
    <Stack gap="md" maw={1100}>
      <div>
        <Title order={1}>My account</Title>
        <Text c="dimmed">
          Signed in as {principal.displayName} ({principal.email}), role {principal.role}.
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <AccountConsole />
        <DownloadMyData />
      </HydrationBoundary>
    </Stack>
  );
}
