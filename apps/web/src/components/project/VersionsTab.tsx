'use client';

import type { RouterOutputs } from '@aura/api/client';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Menu,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { parseAsString, useQueryStates } from 'nuqs';
import { useState } from 'react';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { nextVersionCursor, versionListInput } from '@/components/versions/queries';
import { VersionDiff, versionLabel } from '@/components/versions/VersionDiff';
import { VersionForm, type VersionFormValues } from '@/components/versions/VersionForm';
import classes from '@/components/versions/versions.module.css';
import { When } from '@/components/versions/when';
import { errorMessage } from '@/lib/errors';
import { formatBytes } from '@/lib/format';
import { useTRPC } from '@/trpc/react';

type Version = RouterOutputs['versions']['list']['items'][number];

const TYPE_LABEL: Record<Version['versionType'], string> = {
  Manual: 'Manual',
  Autosave: 'Autosave',
  RestorePoint: 'Restore point',
};
const TYPE_COLOR: Record<Version['versionType'], string> = {
  Manual: 'indigo',
  Autosave: 'gray',
  RestorePoint: 'orange',
};

/** "Diff with" choices: every version, and the project as it is now. */
const NOW = 'now';

/** The project's history: timeline, storage, compare, restore. */
export function VersionsTab({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = usePrincipal();
  const editor = canEdit(me.role);
  // In the URL, so a comparison can be shared and the back button undoes a pick.
  const [compare, setCompare] = useQueryStates(
    { from: parseAsString, to: parseAsString },
    { urlKeys: { from: 'diffFrom', to: 'diffTo' }, history: 'push' },
  );
  const [form, setForm] = useState<
    { mode: 'create' } | { mode: 'describe'; version: Version } | null
  >(null);

  const list = useInfiniteQuery(
    trpc.versions.list.infiniteQueryOptions(versionListInput(projectId), {
      getNextPageParam: nextVersionCursor,
    }),
  );
  const stats = useQuery(trpc.versions.stats.queryOptions({ projectId }));

  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries(trpc.versions.pathFilter()),
      queryClient.invalidateQueries(trpc.projects.pathFilter()),
    ]);
  };
  const failed = (title: string) => (error: unknown) =>
    notifications.show({
      closeButtonProps: { 'aria-label': 'Dismiss' },
      color: 'red',
      title,
      message: errorMessage(error),
    });

  const create = useMutation(
    trpc.versions.create.mutationOptions({
      onSuccess: async ({ version }) => {
        setForm(null);
        notifications.show({
          closeButtonProps: { 'aria-label': 'Dismiss' },
          title: 'Version created',
          message: versionLabel(version),
        });
        await refresh();
      },
    }),
  );
  const describe = useMutation(
    trpc.versions.describe.mutationOptions({
      onSuccess: async (version) => {
        setForm(null);
        notifications.show({
          closeButtonProps: { 'aria-label': 'Dismiss' },
          title: 'Version saved',
          message: versionLabel(version),
        });
        await refresh();
      },
    }),
  );
  const important = useMutation(
    trpc.versions.setImportant.mutationOptions({
      onSuccess: async (version) => {
        notifications.show({
          closeButtonProps: { 'aria-label': 'Dismiss' },
          title: version.isMarkedImportant ? 'Marked important' : 'No longer important',
          message: `${versionLabel(version)}${version.isMarkedImportant ? ' is pinned and never pruned' : ''}`,
        });
        await refresh();
      },
      onError: failed('Could not change importance'),
    }),
  );
  const restore = useMutation(
    trpc.versions.restore.mutationOptions({
      onSuccess: async ({ restoredFrom, restorePoint }) => {
        notifications.show({
          closeButtonProps: { 'aria-label': 'Dismiss' },
          color: 'green',
          title: `Restored ${versionLabel(restoredFrom)}`,
          message: `The state before is kept as restore point version ${restorePoint.versionNumber}.`,
        });
        await refresh();
        await queryClient.invalidateQueries(trpc.scenes.pathFilter());
      },
      onError: failed('Could not restore'),
    }),
  );
  const trash = useMutation(
    trpc.versions.softDelete.mutationOptions({
      onSuccess: async (version) => {
        notifications.show({
          closeButtonProps: { 'aria-label': 'Dismiss' },
          title: 'Moved to the trash',
          message: `${versionLabel(version)} can be restored from the Trash page.`,
        });
        if (compare.from === version.id || compare.to === version.id)
          await setCompare({ from: null, to: null });
        await refresh();
      },
      onError: failed('Could not move to the trash'),
    }),
  );

  const versions = list.data?.pages.flatMap((page) => page.items) ?? [];
  const pinned = versions.filter((v) => v.isMarkedImportant);
  const rest = versions.filter((v) => !v.isMarkedImportant);
  const options = versions.map((v) => ({
    value: v.id,
    label: `${versionLabel(v)} · ${TYPE_LABEL[v.versionType]}`,
  }));
  const fromKnown = compare.from !== null && versions.some((v) => v.id === compare.from);

  function confirmRestore(version: Version) {
    modals.openConfirmModal({
      title: `Restore ${versionLabel(version)}?`,
      children: (
        <Text size="sm">
          The project’s specs and scenes become exactly as in {versionLabel(version)}. A restore
          point of the current state is taken first, so nothing is lost: you can restore that one to
          come back.
        </Text>
      ),
      labels: { confirm: 'Take a restore point and restore', cancel: 'Cancel' },
      confirmProps: { color: 'orange' },
      onConfirm: () => restore.mutate({ versionId: version.id }),
    });
  }

  function confirmTrash(version: Version) {
    modals.openConfirmModal({
      title: `Move ${versionLabel(version)} to the trash?`,
      children: (
        <Text size="sm">It leaves the timeline and can be restored from the Trash page.</Text>
      ),
      labels: { confirm: 'Move to the trash', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => trash.mutate({ id: version.id, rowVersion: version.rowVersion }),
    });
  }

  function submitForm(values: VersionFormValues) {
    if (!form) return;
    const name = values.name || null;
    const description = values.description || null;
    if (form.mode === 'create')
      create.mutate({ projectId, versionType: 'Manual', name, description });
    else
      describe.mutate({
        id: form.version.id,
        rowVersion: form.version.rowVersion,
        name,
        description,
      });
  }

  const formError = form?.mode === 'create' ? create.error : form ? describe.error : null;

  const actions: ItemActions = {
    editor,
    onDiff: (version) => void setCompare({ from: version.id, to: null }),
    onRestore: confirmRestore,
    onDescribe: (version) => setForm({ mode: 'describe', version }),
    onImportant: (version) =>
      important.mutate({
        id: version.id,
        rowVersion: version.rowVersion,
        important: !version.isMarkedImportant,
      }),
    onTrash: confirmTrash,
  };

  if (list.isPending)
    return (
      <Group role="status" gap="xs">
        <Loader size="sm" /> <Text size="sm">Loading the versions…</Text>
      </Group>
    );
  if (list.isError)
    return (
      <Alert color="red" title="The versions could not be loaded" role="alert">
        {errorMessage(list.error)}
      </Alert>
    );

  return (
    <Stack gap="md" data-testid="versions-tab">
      <Group justify="space-between" wrap="wrap">
        <Title order={2} size="h3">
          Versions
        </Title>
        {editor && <Button onClick={() => setForm({ mode: 'create' })}>Create version</Button>}
      </Group>

      <Card withBorder padding="sm" aria-labelledby="history-storage">
        <Text id="history-storage" fw={600} size="sm" mb={4}>
          Storage of this project’s history
        </Text>
        {stats.data ? (
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
            <Stat label="Versions" value={String(stats.data.versions)} />
            <Stat label="Logical size" value={formatBytes(stats.data.logicalBytes)} />
            <Stat label="Stored" value={formatBytes(stats.data.storedBytes)} />
            <Stat label="Saved by sharing" value={`${stats.data.dedupRatio.toFixed(1)}×`} />
          </SimpleGrid>
        ) : stats.isError ? (
          <Text size="sm" c="red.8">
            {errorMessage(stats.error)}
          </Text>
        ) : (
          <Loader size="xs" aria-label="Loading storage" />
        )}
      </Card>

      <Card withBorder padding="sm">
        <Stack gap="xs">
          <Text fw={600} size="sm" component="h3" m={0}>
            Compare
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
            <Select
              label="From"
              placeholder="Pick a version"
              data={options}
              value={fromKnown ? compare.from : null}
              onChange={(value) => void setCompare({ from: value })}
              searchable
              allowDeselect={false}
            />
            <Select
              label="To"
              data={[{ value: NOW, label: 'Now (the project as it is)' }, ...options]}
              value={compare.to ?? NOW}
              onChange={(value) => void setCompare({ to: value === NOW ? null : value })}
              searchable
              allowDeselect={false}
            />
          </SimpleGrid>
          {fromKnown && compare.from ? (
            <VersionDiff fromId={compare.from} toId={compare.to} />
          ) : (
            <Text size="sm" c="dimmed">
              Pick a version to compare, or press Diff on one below to compare it with now.
            </Text>
          )}
        </Stack>
      </Card>

      {versions.length === 0 ? (
        <Text c="dimmed">
          No versions yet.{editor ? ' Create one to keep the project as it is now.' : ''}
        </Text>
      ) : (
        <>
          {pinned.length > 0 && (
            <section aria-labelledby="versions-pinned">
              <Title order={3} size="h5" id="versions-pinned" mb={6}>
                Pinned (important)
              </Title>
              <Stack component="ul" gap="xs" m={0} p={0} style={{ listStyle: 'none' }}>
                {pinned.map((v) => (
                  <VersionItem key={v.id} version={v} {...actions} />
                ))}
              </Stack>
            </section>
          )}
          <section aria-labelledby="versions-timeline">
            <Title order={3} size="h5" id="versions-timeline" mb={6}>
              Timeline
            </Title>
            <Stack component="ul" gap="xs" m={0} p={0} style={{ listStyle: 'none' }}>
              {rest.map((v) => (
                <VersionItem key={v.id} version={v} {...actions} />
              ))}
            </Stack>
          </section>
          {list.hasNextPage && (
            <Button
              variant="default"
              onClick={() => void list.fetchNextPage()}
              loading={list.isFetchingNextPage}
            >
              Load older versions
            </Button>
          )}
        </>
      )}

      <VersionForm
        opened={form !== null}
        title={
          form?.mode === 'describe'
            ? `Rename / describe ${versionLabel(form.version)}`
            : 'Create a version'
        }
        submitLabel={form?.mode === 'describe' ? 'Save' : 'Create version'}
        initial={
          form?.mode === 'describe'
            ? { name: form.version.name ?? '', description: form.version.description ?? '' }
            : { name: '', description: '' }
        }
        busy={create.isPending || describe.isPending}
        error={formError ? errorMessage(formError) : null}
        onSubmit={submitForm}
        onClose={() => {
          setForm(null);
          create.reset();
          describe.reset();
        }}
      />
    </Stack>
  );
}

interface ItemActions {
  editor: boolean;
  onDiff: (version: Version) => void;
  onRestore: (version: Version) => void;
  onDescribe: (version: Version) => void;
  onImportant: (version: Version) => void;
  onTrash: (version: Version) => void;
}

/** One version of the timeline with its actions (write actions for editors only). */
function VersionItem({
  version,
  editor,
  onDiff,
  onRestore,
  onDescribe,
  onImportant,
  onTrash,
}: { version: Version } & ItemActions) {
  const label = versionLabel(version);
  return (
    <Card
      withBorder
      padding="sm"
      className={version.isMarkedImportant ? classes.pinned : undefined}
      data-testid="version-item"
      data-version={version.versionNumber}
      component="li"
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap="xs" wrap="wrap">
            <Text fw={600}>{label}</Text>
            <Badge color={TYPE_COLOR[version.versionType]} variant="light" c="dark.8">
              {TYPE_LABEL[version.versionType]}
            </Badge>
            {version.isMarkedImportant && (
              <Badge color="yellow" variant="filled" c="dark">
                Important
              </Badge>
            )}
          </Group>
          {version.description && (
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {version.description}
            </Text>
          )}
          <Text size="xs" c="dimmed">
            <When iso={version.createdAt} size="xs" />
            {version.trigger ? ` · ${version.trigger}` : ''} ·{' '}
            {formatBytes(version.storageSizeBytes)}
          </Text>
        </Stack>
        <Group gap={4} wrap="nowrap">
          <Button
            size="xs"
            variant="light"
            onClick={() => onDiff(version)}
            aria-label={`Compare ${label} with now`}
          >
            Diff
          </Button>
          {editor && (
            <Button
              size="xs"
              variant="default"
              onClick={() => onRestore(version)}
              aria-label={`Restore ${label}`}
            >
              Restore
            </Button>
          )}
          {editor && (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <Tooltip label="More actions">
                  <ActionIcon variant="default" aria-label={`More actions for ${label}`}>
                    <span aria-hidden="true">⋯</span>
                  </ActionIcon>
                </Tooltip>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item onClick={() => onDescribe(version)}>Rename / describe</Menu.Item>
                <Menu.Item onClick={() => onImportant(version)}>
                  {version.isMarkedImportant ? 'Unmark important' : 'Mark important'}
                </Menu.Item>
                <Menu.Item color="red" onClick={() => onTrash(version)}>
                  Move to the trash
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Group>
    </Card>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </div>
  );
}
