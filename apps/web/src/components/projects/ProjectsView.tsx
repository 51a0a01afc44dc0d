'use client';

import type { RouterOutputs } from '@aura/api/client';
import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  Group,
  Progress,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { modals } from '@mantine/modals';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type RowSelectionState,
} from '@tanstack/react-table';
import Link from 'next/link';
import { useQueryStates } from 'nuqs';
import { useEffect, useMemo, useRef, useState } from 'react';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { humanize } from '@/lib/format';
import { useTRPC, useTRPCClient } from '@/trpc/react';
import { NewProjectButton } from './NewProjectButton';
import { RelativeTime } from './RelativeTime';
import {
  STAGES,
  STATUSES,
  TRASH_INPUT,
  nextCursor,
  projectListInput,
  projectSearchParams,
  type ProjectSortKey,
} from './search-params';
import { ALERT_STYLES, ToneBadge, toast } from '@/components/projects/ui';

type ProjectRow = RouterOutputs['projects']['list']['items'][number] & {
  deletedAt?: string | null;
};

export const STATUS_COLORS: Record<string, string> = {
  InProgress: 'blue',
  Completed: 'green',
  Failed: 'red',
  Cancelled: 'gray',
};

/** Header of a sortable column: a button that picks the API's sort order for that column. */
function SortHeader({
  label,
  sortKey,
  current,
  onSort,
  disabled,
}: {
  label: string;
  sortKey: ProjectSortKey;
  current: ProjectSortKey;
  onSort: (key: ProjectSortKey) => void;
  disabled?: boolean;
}) {
  const active = current === sortKey;
  const direction = sortKey === 'title' ? 'A to Z' : 'newest first';
  if (disabled) return <>{label}</>;
  return (
    <UnstyledButton
      onClick={() => onSort(sortKey)}
      fw={700}
      fz="sm"
      aria-label={`Sort by ${label.toLowerCase()} (${direction})`}
    >
      {label} {active ? (sortKey === 'title' ? '▲' : '▼') : ''}
    </UnstyledButton>
  );
}

/** The projects page: filters and sort in the URL, the table, bulk delete / restore. */
export function ProjectsView() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const user = usePrincipal();
  const editor = canEdit(user.role);
  // Filters are pushed onto the history (the back button undoes one); shallow: the client
  // refetches, the server page is not re-rendered.
  const [params, setParams] = useQueryStates(projectSearchParams, { history: 'push' });
  const [search, setSearch] = useState(params.q);
  const searchRef = useRef<HTMLInputElement>(null);
  // Back and forward change the URL: show its search unless the user is typing one.
  useEffect(() => {
    if (document.activeElement !== searchRef.current) setSearch(params.q);
  }, [params.q]);
  const commitSearch = useDebouncedCallback((value: string) => {
    void setParams({ q: value || null });
  }, 300);
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [busy, setBusy] = useState(false);

  const listInput = projectListInput(params);
  const live = useInfiniteQuery({
    ...trpc.projects.list.infiniteQueryOptions(listInput, { getNextPageParam: nextCursor }),
    enabled: !params.trash,
    placeholderData: (previous) => previous,
  });
  const trash = useInfiniteQuery({
    ...trpc.projects.trash.infiniteQueryOptions(TRASH_INPUT, { getNextPageParam: nextCursor }),
    enabled: params.trash,
  });
  const query = params.trash ? trash : live;
  const rows: ProjectRow[] = useMemo(
    () => query.data?.pages.flatMap((page) => page.items) ?? [],
    [query.data],
  );

  const onSort = (sort: ProjectSortKey) => void setParams({ sort });

  const columns = useMemo<ColumnDef<ProjectRow>[]>(
    () => [
      ...(editor
        ? [
            {
              id: 'select',
              header: ({ table }) => (
                <Checkbox
                  aria-label="Select every project shown"
                  checked={table.getIsAllRowsSelected()}
                  indeterminate={table.getIsSomeRowsSelected()}
                  onChange={table.getToggleAllRowsSelectedHandler()}
                />
              ),
              cell: ({ row }) => (
                <Checkbox
                  aria-label={`Select ${row.original.title}`}
                  checked={row.getIsSelected()}
                  onChange={row.getToggleSelectedHandler()}
                />
              ),
            } satisfies ColumnDef<ProjectRow>,
          ]
        : []),
      {
        id: 'title',
        header: () => (
          <SortHeader
            label="Title"
            sortKey="title"
            current={params.sort}
            onSort={onSort}
            disabled={params.trash}
          />
        ),
        cell: ({ row }) =>
          params.trash ? (
            <Text fw={600}>{row.original.title}</Text>
          ) : (
            <Anchor component={Link} href={`/projects/${row.original.id}`} fw={600}>
              {row.original.title}
            </Anchor>
          ),
      },
      {
        id: 'status',
        header: 'Status',
        cell: ({ row }) => (
          <ToneBadge color={STATUS_COLORS[row.original.status] ?? 'gray'}>
            {humanize(row.original.status)}
          </ToneBadge>
        ),
      },
      { id: 'stage', header: 'Stage', cell: ({ row }) => row.original.currentStage },
      {
        id: 'progress',
        header: 'Progress',
        cell: ({ row }) => (
          <Group gap="xs" wrap="nowrap" miw={120}>
            <Progress
              value={row.original.progressPercent}
              w={80}
              aria-label={`Progress of ${row.original.title}`}
              styles={{ root: { backgroundColor: 'var(--progress-track)' } }}
            />
            <Text size="sm">{row.original.progressPercent}%</Text>
          </Group>
        ),
      },
      {
        id: 'updated',
        header: () => (
          <SortHeader
            label="Updated"
            sortKey="updated"
            current={params.sort}
            onSort={onSort}
            disabled={params.trash}
          />
        ),
        cell: ({ row }) => <RelativeTime iso={row.original.updatedAt} />,
      },
      {
        id: 'created',
        header: () =>
          params.trash ? (
            'Deleted'
          ) : (
            <SortHeader label="Created" sortKey="created" current={params.sort} onSort={onSort} />
          ),
        cell: ({ row }) => (
          <RelativeTime
            iso={
              params.trash
                ? (row.original.deletedAt ?? row.original.createdAt)
                : row.original.createdAt
            }
          />
        ),
      },
    ],
    // onSort only calls setParams, which is stable.
    [editor, params.sort, params.trash],
  );

  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (row) => row.id,
    state: { rowSelection: selection },
    onRowSelectionChange: setSelection,
    enableRowSelection: editor,
    manualSorting: true,
  });

  const selected = rows.filter((row) => selection[row.id]);

  async function bulk(kind: 'delete' | 'restore') {
    setBusy(true);
    const failures: string[] = [];
    let done = 0;
    for (const row of selected) {
      try {
        const key = { id: row.id, rowVersion: row.rowVersion };
        if (kind === 'delete') await client.projects.softDelete.mutate(key);
        else await client.projects.restore.mutate(key);
        done += 1;
      } catch (error) {
        failures.push(`${row.title}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    setBusy(false);
    setSelection({});
    await queryClient.invalidateQueries({ queryKey: trpc.projects.pathKey() });
    toast({
      color: failures.length ? 'red' : 'green',
      title:
        kind === 'delete'
          ? `Moved ${done} project${done === 1 ? '' : 's'} to the trash`
          : `Restored ${done} project${done === 1 ? '' : 's'}`,
      message: failures.length
        ? `Not done: ${failures.join('; ')}`
        : kind === 'delete'
          ? 'Restore them from the trash view, or undo.'
          : 'They are back in the project list.',
    });
  }

  function confirmBulk(kind: 'delete' | 'restore') {
    const names = selected.map((row) => row.title);
    modals.openConfirmModal({
      title: kind === 'delete' ? 'Move to the trash?' : 'Restore from the trash?',
      children: (
        <Text size="sm">
          {kind === 'delete' ? 'These projects go to the trash' : 'These projects come back'}:{' '}
          {names.slice(0, 10).join(', ')}
          {names.length > 10 ? ` and ${names.length - 10} more` : ''}.
        </Text>
      ),
      labels: { confirm: kind === 'delete' ? 'Move to trash' : 'Restore', cancel: 'Cancel' },
      confirmProps: { color: kind === 'delete' ? 'red' : undefined },
      onConfirm: () => void bulk(kind),
    });
  }

  const filtersActive =
    params.q ||
    params.status ||
    params.stage ||
    params.createdFrom ||
    params.createdTo ||
    params.updatedFrom ||
    params.updatedTo ||
    params.mine;

  return (
    <Stack gap="md" style={{ minWidth: 0, overflowX: 'clip' }}>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Title order={1}>Projects</Title>
        {editor && !params.trash && <NewProjectButton />}
      </Group>

      <SegmentedControl
        aria-label="Which projects"
        value={params.trash ? 'trash' : 'live'}
        onChange={(value) => {
          setSelection({});
          void setParams({ trash: value === 'trash' ? true : null });
        }}
        data={[
          { value: 'live', label: 'Projects' },
          { value: 'trash', label: 'In the trash' },
        ]}
        w="fit-content"
      />

      {!params.trash && (
        // A control wider than a phone scrolls inside the card, never the page.
        <Card withBorder padding="sm" style={{ overflowX: 'auto' }}>
          <Stack gap="sm">
            <Group gap="sm" align="flex-end" wrap="wrap">
              <TextInput
                label="Search"
                ref={searchRef}
                placeholder="Title or description"
                value={search}
                onChange={(event) => {
                  setSearch(event.currentTarget.value);
                  commitSearch(event.currentTarget.value);
                }}
                maxLength={200}
                w={{ base: '100%', sm: 240 }}
              />
              <Select
                label="Status"
                placeholder="Any status"
                clearable
                data={STATUSES.map((value) => ({ value, label: humanize(value) }))}
                value={params.status}
                onChange={(value) =>
                  void setParams({ status: (value as (typeof STATUSES)[number] | null) ?? null })
                }
                w={{ base: '100%', xs: 160 }}
              />
              <Select
                label="Stage"
                placeholder="Any stage"
                clearable
                data={[...STAGES]}
                value={params.stage}
                onChange={(value) =>
                  void setParams({ stage: (value as (typeof STAGES)[number] | null) ?? null })
                }
                w={{ base: '100%', xs: 160 }}
              />
              <Switch
                label="Only mine"
                checked={params.mine}
                onChange={(event) => void setParams({ mine: event.currentTarget.checked || null })}
                mb={8}
              />
            </Group>
            <Group gap="sm" align="flex-end" wrap="wrap">
              {(
                [
                  ['createdFrom', 'Created from'],
                  ['createdTo', 'Created until'],
                  ['updatedFrom', 'Updated from'],
                  ['updatedTo', 'Updated until'],
                ] as const
              ).map(([key, label]) => (
                <TextInput
                  key={key}
                  type="date"
                  label={`${label} (UTC)`}
                  value={params[key] ?? ''}
                  onChange={(event) => void setParams({ [key]: event.currentTarget.value || null })}
                  w={{ base: '100%', xs: 170 }}
                />
              ))}
              {filtersActive && (
                <Button
                  variant="subtle"
                  onClick={() => {
                    setSearch('');
                    void setParams({
                      q: null,
                      status: null,
                      stage: null,
                      createdFrom: null,
                      createdTo: null,
                      updatedFrom: null,
                      updatedTo: null,
                      mine: null,
                    });
                  }}
                >
                  Clear filters
                </Button>
              )}
            </Group>
          </Stack>
        </Card>
      )}

      {editor && selected.length > 0 && (
        <Group gap="sm" role="region" aria-label="Bulk actions">
          <Text size="sm" fw={600}>
            {selected.length} selected
          </Text>
          {params.trash ? (
            <Button size="xs" loading={busy} onClick={() => confirmBulk('restore')}>
              Restore selected
            </Button>
          ) : (
            <Button size="xs" color="red" loading={busy} onClick={() => confirmBulk('delete')}>
              Delete selected
            </Button>
          )}
          <Button size="xs" variant="default" onClick={() => setSelection({})}>
            Clear selection
          </Button>
        </Group>
      )}

      {query.isError && (
        <Alert
          styles={ALERT_STYLES}
          color="red"
          title="The projects could not be loaded"
          role="alert"
        >
          {query.error.message}{' '}
          <Button size="xs" variant="default" onClick={() => void query.refetch()}>
            Try again
          </Button>
        </Alert>
      )}

      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={720}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-busy={query.isFetching}>
            <VisuallyHidden component="caption">
              {params.trash ? 'Projects in the trash' : 'Projects'}
            </VisuallyHidden>
            <Table.Thead>
              {table.getHeaderGroups().map((group) => (
                <Table.Tr key={group.id}>
                  {group.headers.map((header) => {
                    const sortKey = header.column.id as ProjectSortKey;
                    const sorted =
                      !params.trash && SORT_COLUMNS.has(sortKey) && params.sort === sortKey;
                    return (
                      <Table.Th
                        key={header.id}
                        aria-sort={
                          sorted ? (sortKey === 'title' ? 'ascending' : 'descending') : undefined
                        }
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                      </Table.Th>
                    );
                  })}
                </Table.Tr>
              ))}
            </Table.Thead>
            <Table.Tbody>
              {table.getRowModel().rows.map((row) => (
                <Table.Tr key={row.id} data-testid="project-row">
                  {row.getVisibleCells().map((cell) => (
                    <Table.Td key={cell.id}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
              {rows.length === 0 && !query.isPending && (
                <Table.Tr>
                  <Table.Td colSpan={columns.length}>
                    <Text c="dimmed" ta="center" py="md">
                      {params.trash
                        ? 'The trash is empty.'
                        : filtersActive
                          ? 'No project matches these filters.'
                          : 'No projects yet.'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      {query.hasNextPage && (
        <Button
          variant="default"
          onClick={() => void query.fetchNextPage()}
          loading={query.isFetchingNextPage}
          w="fit-content"
        >
          Show more
        </Button>
      )}
    </Stack>
  );
}

const SORT_COLUMNS = new Set<string>(['title', 'updated', 'created']);
