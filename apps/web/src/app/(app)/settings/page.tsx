import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { SETTINGS_PAGE_LIMIT } from '@/components/admin/limits';
import { SettingsConsole } from '@/components/admin/SettingsConsole';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Settings · Aura Data' };

export default async function SettingsPage() {
  const principal = await requirePrincipal();
  const queryClient = getQueryClient();
  const [categories] = await Promise.all([
    queryClient.fetchQuery(trpc.config.categories.queryOptions()).catch(() => []),
    queryClient.prefetchQuery(trpc.system.get.queryOptions()),
  ]);
  await Promise.all(
    categories.map((c) =>
      queryClient.prefetchQuery(
        trpc.config.list.queryOptions({
          category: c.category,
          includeInactive: true,
          limit: SETTINGS_PAGE_LIMIT,
        }),
      ),
    ),
  );
  return (
    <Stack gap="md" maw={1100}>
      <div>
        <Title order={1}>Settings</Title>
        <Text c="dimmed">
          {principal.role === 'viewer'
            ? 'You can read the settings; editors and admins change them.'
            : principal.role === 'editor'
              ? 'Retention, Backup and System settings are installation-wide: only an admin changes them.'
              : 'Sensitive values stay hidden until you reveal them; every reveal is recorded.'}
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <SettingsConsole />
      </HydrationBoundary>
    </Stack>
  );
}
