import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { InstallationSetup } from '@/components/setup/InstallationSetup';
import { SetupWizard } from '@/components/setup/SetupWizard';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Setup · Aura Data' };

export default async function SetupPage() {
  const principal = await requirePrincipal();
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.setup.status.queryOptions({})),
    queryClient.prefetchQuery(trpc.setup.installation.queryOptions()),
  ]);
  return (
    <Stack gap="md" maw={900}>
      <div>
        <Title order={1}>Setup</Title>
        <Text c="dimmed">
          Your own first-run wizard
          {principal.role === 'admin' && ', and the installation\u2019s setup'}.
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        {principal.role === 'admin' && <InstallationSetup />}
        <SetupWizard />
      </HydrationBoundary>
    </Stack>
  );
}
