import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { AdminOnly } from '@/components/admin/feedback';
import { PeopleConsole } from '@/components/admin/PeopleConsole';
import { ForgetUserSection } from '@/components/privacy/ForgetUserDialog';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'People · Aura Data' };

export default async function PeoplePage() {
  const principal = await requirePrincipal();
  if (principal.role !== 'admin') {
    return (
      <Stack gap="md" maw={1100}>
        <Title order={1}>People</Title>
        <AdminOnly what="manage people">
          Only an admin can see and manage the users of this installation. Your own password, tokens
          and sessions are under My account.
        </AdminOnly>
      </Stack>
    );
  }
  const queryClient = getQueryClient();
  await queryClient.prefetchQuery(trpc.users.list.queryOptions());
  return (
    <Stack gap="md" maw={1100}>
      <div>
        <Title order={1}>People</Title>
        <Text c="dimmed">
          Viewers read, editors change content, admins also manage users and installation-wide
          settings.
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <PeopleConsole />
        <ForgetUserSection />
      </HydrationBoundary>
    </Stack>
  );
}
