'use client';

import { Button, Card, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useQueryStates } from 'nuqs';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { humanize } from '@/lib/format';
import { useLiveConnected } from '@/live/use-live';
import { useTRPC } from '@/trpc/react';
import { EnqueueExportForm } from './EnqueueExportForm';
import { ExportsTable } from './ExportsTable';
import {
  EXPORT_STATUS_FILTERS,
  exportListInput,
  exportSearchParams,
  nextExportCursor,
} from './search-params';
import { useExportActions } from './use-export-actions';

/**
 * Every export job, newest first, with live progress (pushed by the tab's one live stream, no
 * polling per row), filtered by status through the URL; editors queue, cancel and retry.
 */
export function ExportsView() {
  const trpc = useTRPC();
  const user = usePrincipal();
  const editor = canEdit(user.role);
  const [{ status }, setParams] = useQueryStates(exportSearchParams, { history: 'push' });
  const list = useInfiniteQuery(
    trpc.exports.list.infiniteQueryOptions(exportListInput(status), {
      getNextPageParam: nextExportCursor,
    }),
  );
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  const actions = useExportActions();
  const live = useLiveConnected();

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <Title order={1}>Exports</Title>
          <Text c="dimmed" size="sm">
            Every export job; progress updates as the worker reports it.{' '}
            <span data-testid="live-state">{live ? 'Live.' : 'Connecting…'}</span>
          </Text>
        </div>
        <Select
          label="Status"
          placeholder="All statuses"
          clearable
          data={EXPORT_STATUS_FILTERS.map((value) => ({ value, label: humanize(value) }))}
          value={status}
          onChange={(value) =>
            void setParams({
              status: EXPORT_STATUS_FILTERS.find((item) => item === value) ?? null,
            })
          }
          w={200}
        />
      </Group>
      {editor && <EnqueueExportForm />}
      <Card withBorder padding="sm" component="section" aria-labelledby="exports-list-title">
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4" id="exports-list-title">
            {status ? `${humanize(status)} exports` : 'All exports'}
          </Title>
          <Text size="sm" c="dimmed">
            {rows.length} shown
          </Text>
        </Group>
        {list.isError ? (
          <Text c="red.9" role="alert">
            The exports could not be loaded: {list.error.message}
          </Text>
        ) : rows.length === 0 && !list.isPending ? (
          <Text size="sm" c="dimmed">
            {status ? 'No export has this status.' : 'No export yet.'}
            {editor && !status ? ' Queue one above.' : ''}
          </Text>
        ) : (
          <ExportsTable rows={rows} canEdit={editor} {...actions} />
        )}
        {list.hasNextPage && (
          <Group justify="center" mt="sm">
            <Button
              variant="light"
              onClick={() => void list.fetchNextPage()}
              loading={list.isFetchingNextPage}
            >
              Load more
            </Button>
          </Group>
        )}
      </Card>
    </Stack>
  );
}
