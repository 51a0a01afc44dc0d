import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { WorkerConsole } from '@/components/worker/WorkerConsole';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Worker · Aura Data' };

export default async function WorkerPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePrincipal();
  const { job } = await searchParams;
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.worker.status.queryOptions()),
    queryClient.prefetchQuery(trpc.worker.jobs.queryOptions()),
    typeof job === 'string' && job.length > 0 && job.length <= 100
      ? queryClient.prefetchQuery(trpc.worker.runs.queryOptions({ job, limit: 50 }))
      : null,
  ]);
  return (
    <Stack gap="md" maw={1300}>
      <div>
        <Title order={1}>Worker</Title>
        <Text c="dimmed">
          The background process beside the web server: exports, cleanups, integrity checks and
          scheduled backups, each on its own schedule.
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <WorkerConsole />
      </HydrationBoundary>
    </Stack>
  );
}
