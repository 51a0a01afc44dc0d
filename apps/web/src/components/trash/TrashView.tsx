'use client';

import { Alert, Button, Loader, Stack, Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { canEdit, isAdmin, usePrincipal } from '@/components/shell/principal';
import { errorMessage } from '@/lib/errors';
import { formatBytes, humanize } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import { nextTrashCursor, TRASH_PAGE } from './queries';
import { TrashTable, type TrashRow } from './TrashTable';

interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

function LoadMore({ query }: { query: Pages }) {
  if (!query.hasNextPage) return null;
  return (
    <Button
      mt="xs"
      variant="default"
      size="xs"
      onClick={() => void query.fetchNextPage()}
      loading={query.isFetchingNextPage}
    >
      Show more
    </Button>
  );
}

/** Deleted projects, versions and custom templates: restore (editors), purge (admins). */
export function TrashView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = usePrincipal();
  const editor = canEdit(me.role);
  const admin = isAdmin(me.role);
  const [busyId, setBusyId] = useState<string | null>(null);

  const paging = { getNextPageParam: nextTrashCursor };
  const projects = useInfiniteQuery(trpc.projects.trash.infiniteQueryOptions(TRASH_PAGE, paging));
  const versions = useInfiniteQuery(
    trpc.versions.trashAll.infiniteQueryOptions(TRASH_PAGE, paging),
  );
  const templates = useInfiniteQuery(
    trpc.customTemplates.trash.infiniteQueryOptions(TRASH_PAGE, paging),
  );
  const deleters = useQuery(trpc.trash.deleters.queryOptions());

  const names = new Map((deleters.data ?? []).map((d) => [d.id, d.displayName]));
  const who = (id: string | null, fallback?: string | null) => {
    if (!id) return 'the system';
    const name = fallback ?? names.get(id);
    if (id === me.id) return `${name ?? me.displayName} (you)`;
    return name ?? 'a removed user';
  };

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.projects.pathFilter()),
      queryClient.invalidateQueries(trpc.versions.pathFilter()),
      queryClient.invalidateQueries(trpc.customTemplates.pathFilter()),
      queryClient.invalidateQueries(trpc.trash.pathFilter()),
    ]);
  const done = (verb: string) => ({
    onMutate: (input: { id: string }) => setBusyId(input.id),
    onSettled: () => setBusyId(null),
    onError: (error: unknown) =>
      notifications.show({
        closeButtonProps: { 'aria-label': 'Dismiss' },
        color: 'red',
        title: `Could not ${verb}`,
        message: errorMessage(error),
      }),
  });

  const restoreProject = useMutation(trpc.projects.restore.mutationOptions(done('restore')));
  const restoreVersion = useMutation(trpc.versions.undelete.mutationOptions(done('restore')));
  const restoreTemplate = useMutation(
    trpc.customTemplates.restore.mutationOptions(done('restore')),
  );
  const purgeProject = useMutation(trpc.projects.hardDelete.mutationOptions(done('purge')));
  const purgeVersion = useMutation(trpc.versions.purge.mutationOptions(done('purge')));
  const purgeTemplate = useMutation(trpc.customTemplates.purge.mutationOptions(done('purge')));

  const projectItems = projects.data?.pages.flatMap((p) => p.items) ?? [];
  const versionItems = versions.data?.pages.flatMap((p) => p.items) ?? [];
  const templateItems = templates.data?.pages.flatMap((p) => p.items) ?? [];

  const restored = async (name: string) => {
    notifications.show({
      closeButtonProps: { 'aria-label': 'Dismiss' },
      color: 'green',
      title: 'Restored',
      message: `${name} is back.`,
    });
    await refresh();
  };
  const purged = async (name: string) => {
    notifications.show({
      closeButtonProps: { 'aria-label': 'Dismiss' },
      title: 'Purged',
      message: `${name} is gone for good.`,
    });
    await refresh();
  };

  function confirmPurge(row: TrashRow, consequence: string, purge: () => Promise<unknown>) {
    modals.openConfirmModal({
      title: `Purge ${row.name}?`,
      children: (
        <Stack gap="xs">
          <Text size="sm">
            This removes <strong>{row.name}</strong> for good. {consequence}
          </Text>
          <Text size="sm">It cannot be undone or restored.</Text>
        </Stack>
      ),
      labels: { confirm: `Purge ${row.name}`, cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => {
        purge().then(
          () => purged(row.name),
          () => undefined,
        );
      },
    });
  }

  const projectRows: TrashRow[] = projectItems.map((p) => ({
    id: p.id,
    name: `Project “${p.title}”`,
    detail: `${humanize(p.status)} · ${p.currentStage} · ${p.progressPercent}%`,
    deletedAt: p.deletedAt,
    deletedBy: who(p.deletedBy),
  }));
  const versionRows: TrashRow[] = versionItems.map((v) => ({
    id: v.id,
    name: `Version ${v.versionNumber}${v.name ? ` “${v.name}”` : ''} of “${v.projectTitle}”`,
    detail: (
      <>
        {humanize(v.versionType)} · {formatBytes(v.storageSizeBytes)}
        {v.projectDeleted ? (
          ' · its project is in the trash too'
        ) : (
          <>
            {' · '}
            <Link href={`/projects/${v.projectId}`}>open the project</Link>
          </>
        )}
      </>
    ),
    deletedAt: v.deletedAt,
    deletedBy: who(v.deletedBy, v.deletedByName),
  }));
  const templateRows: TrashRow[] = templateItems.map((t) => ({
    id: t.id,
    name: `Custom template “${t.name}”`,
    detail: `${t.category}${t.isDefault ? ' · default of its category' : ''}`,
    deletedAt: t.deletedAt,
    deletedBy: who(t.deletedBy),
  }));

  const failed = projects.error ?? versions.error ?? templates.error;
  if (projects.isPending || versions.isPending || templates.isPending)
    return (
      <Text role="status">
        <Loader size="xs" /> Loading the trash…
      </Text>
    );

  return (
    <Stack gap="md">
      {failed && (
        <Alert color="red" title="Part of the trash could not be loaded" role="alert">
          {errorMessage(failed)}
        </Alert>
      )}
      {!editor && (
        <Text size="sm" c="dimmed">
          You can look but not restore: viewers have read-only access.
        </Text>
      )}
      <TrashTable
        id="trash-projects"
        title="Projects"
        rows={projectRows}
        empty="No project is in the trash."
        busyId={busyId}
        onRestore={
          editor
            ? (row) => {
                const p = projectItems.find((x) => x.id === row.id);
                if (p)
                  restoreProject.mutate(
                    { id: p.id, rowVersion: p.rowVersion },
                    { onSuccess: () => void restored(row.name) },
                  );
              }
            : undefined
        }
        onPurge={
          admin
            ? (row) =>
                confirmPurge(
                  row,
                  'Its scenes, assets, checkpoints and every version go with it.',
                  () => purgeProject.mutateAsync({ id: row.id }),
                )
            : undefined
        }
        footer={<LoadMore query={projects} />}
      />
      <TrashTable
        id="trash-versions"
        title="Versions"
        rows={versionRows}
        empty="No version is in the trash."
        busyId={busyId}
        onRestore={
          editor
            ? (row) => {
                const v = versionItems.find((x) => x.id === row.id);
                if (v)
                  restoreVersion.mutate(
                    { id: v.id, rowVersion: v.rowVersion },
                    { onSuccess: () => void restored(row.name) },
                  );
              }
            : undefined
        }
        onPurge={
          admin
            ? (row) =>
                confirmPurge(
                  row,
                  'The content only this version held is released from storage.',
                  () => purgeVersion.mutateAsync({ id: row.id }),
                )
            : undefined
        }
        footer={<LoadMore query={versions} />}
      />
      <TrashTable
        id="trash-templates"
        title="Custom templates"
        rows={templateRows}
        empty="No custom template is in the trash."
        busyId={busyId}
        onRestore={
          editor
            ? (row) => {
                const t = templateItems.find((x) => x.id === row.id);
                if (t)
                  restoreTemplate.mutate(
                    { id: t.id, rowVersion: t.rowVersion },
                    { onSuccess: () => void restored(row.name) },
                  );
              }
            : undefined
        }
        onPurge={
          admin
            ? (row) => {
                const t = templateItems.find((x) => x.id === row.id);
                if (t)
                  confirmPurge(row, 'Projects made from it keep their specs.', () =>
                    purgeTemplate.mutateAsync({ id: t.id, rowVersion: t.rowVersion }),
                  );
              }
            : undefined
        }
        footer={<LoadMore query={templates} />}
      />
    </Stack>
  );
}
