'use client';

import { Button, Group, Stack, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { EnqueueExportForm } from '@/components/exports/EnqueueExportForm';
import { ExportsTable } from '@/components/exports/ExportsTable';
import { EXPORTS_PAGE_SIZE, nextExportCursor } from '@/components/exports/search-params';
import { useExportActions } from '@/components/exports/use-export-actions';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { useTRPC } from '@/trpc/react';

/**
 * The project's exports (those made from its asset files) with live progress, and for editors a
 * form to queue one from its assets; cancel, retry and download as on the Exports page.
 */
export function ExportsTab({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const user = usePrincipal();
  const editor = canEdit(user.role);
  const list = useInfiniteQuery(
    trpc.exports.forProject.infiniteQueryOptions(
      { projectId, limit: EXPORTS_PAGE_SIZE },
      { getNextPageParam: nextExportCursor },
    ),
  );
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  const actions = useExportActions();

  return (
    <Stack gap="md">
      {editor && <EnqueueExportForm projectId={projectId} />}
      {list.isError ? (
        <Text c="red.9" role="alert">
          The exports could not be loaded: {list.error.message}
        </Text>
      ) : rows.length === 0 && !list.isPending ? (
        <Text size="sm" c="dimmed">
          No export of this project yet.
        </Text>
      ) : (
        <ExportsTable rows={rows} canEdit={editor} {...actions} />
      )}
      <Group justify="space-between">
        {list.hasNextPage ? (
          <Button
            variant="light"
            onClick={() => void list.fetchNextPage()}
            loading={list.isFetchingNextPage}
          >
            Load more
          </Button>
        ) : (
          <span />
        )}
        <Button component={Link} href="/exports" variant="subtle" size="sm">
          All exports
        </Button>
      </Group>
    </Stack>
  );
}
