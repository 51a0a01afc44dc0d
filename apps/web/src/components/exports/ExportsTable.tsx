'use client';

import type { RouterOutputs } from '@aura/api/client';
import { Anchor, Badge, Button, Group, Progress, Table, Text, Tooltip } from '@mantine/core';
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
} from '@tanstack/react-table';
import { useMemo } from 'react';
import { formatBytes, formatTimestamp, humanize } from '@/lib/format';
import { useLiveExport } from '@/live/use-live';
import { downloadHref } from './search-params';

export type ExportRow = RouterOutputs['exports']['list']['items'][number];

/** Badge and bar colours: white text on them at ≥ 4.5:1, bars at ≥ 3:1 against the track. */
const FILL_COLORS: Record<string, string> = {
  Queued: 'gray.7',
  InProgress: 'blue.8',
  Completed: 'teal.9',
  Failed: 'red.9',
  Cancelled: 'grape.9',
};

/** The last part of a path, on either separator. */
export function fileName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** How long a run took (or has been running), as "1 min 5 s". */
function elapsed(from: string, to: string | null): string {
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Status and progress, live: pushed progress wins over the row's until the row catches up. */
function LiveStatus({ row }: { row: ExportRow }) {
  const live = useLiveExport(row.id);
  const status = live?.status ?? row.status;
  const progress = Math.round(live?.progress ?? row.progress);
  const name = fileName(row.outputFile);
  return (
    <div style={{ minWidth: 150 }}>
      <Group gap={6} mb={4} wrap="nowrap">
        <Badge color={FILL_COLORS[status] ?? 'gray.7'} variant="filled" data-testid="export-status">
          {humanize(status)}
        </Badge>
        <Text size="xs" c="dimmed" data-testid="export-percent">
          {progress}%
        </Text>
      </Group>
      <Progress.Root
        size="md"
        data-testid="export-progress"
        data-value={progress}
        // The track's edge carries the 3:1 contrast (the theme's border colour).
        styles={{
          root: {
            backgroundColor: 'var(--mantine-color-gray-1)',
            border: '1px solid var(--mantine-color-default-border)',
          },
        }}
      >
        <Progress.Section
          value={progress}
          color={FILL_COLORS[status] ?? 'blue.8'}
          animated={status === 'InProgress'}
          aria-label={`Progress of ${name}`}
        />
      </Progress.Root>
    </div>
  );
}

const column = createColumnHelper<ExportRow>();

/**
 * Export jobs as a table: output, preset, live status and progress, timing, size, error, and
 * download / cancel / retry where the state and the role allow. Scrolls inside its container.
 */
export function ExportsTable({
  rows,
  canEdit,
  busyId,
  onCancel,
  onRetry,
}: {
  rows: ExportRow[];
  canEdit: boolean;
  busyId: string | null;
  onCancel: (row: ExportRow) => void;
  onRetry: (row: ExportRow) => void;
}) {
  const columns = useMemo(
    () => [
      column.accessor('outputFile', {
        header: 'Output',
        cell: (info) => {
          const row = info.row.original;
          return (
            <div style={{ minWidth: 160, maxWidth: 280 }}>
              <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                {fileName(row.outputFile)}
              </Text>
              <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                from {fileName(row.inputFile)}
              </Text>
            </div>
          );
        },
      }),
      column.accessor('presetName', {
        header: 'Preset',
        cell: (info) => (
          <div>
            <Text size="sm">{info.getValue()}</Text>
            <Text size="xs" c="dimmed">
              {[info.row.original.resolution, info.row.original.codec].filter(Boolean).join(' · ')}
            </Text>
          </div>
        ),
      }),
      column.accessor('status', {
        header: 'Status',
        cell: (info) => <LiveStatus row={info.row.original} />,
      }),
      column.accessor('createdAt', {
        header: 'Timing',
        cell: (info) => {
          const row = info.row.original;
          return (
            <div style={{ minWidth: 150 }}>
              <Text size="xs">Queued {formatTimestamp(row.createdAt)}</Text>
              {row.startedAt && (
                <Text size="xs" c="dimmed">
                  {row.completedAt ? 'Took' : 'Running for'}{' '}
                  {elapsed(row.startedAt, row.completedAt)}
                </Text>
              )}
            </div>
          );
        },
      }),
      column.accessor('fileSize', {
        header: 'Size',
        cell: (info) => (
          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
            {info.getValue() === null ? '—' : formatBytes(info.getValue())}
          </Text>
        ),
      }),
      column.accessor('errorMessage', {
        header: 'Error',
        cell: (info) => {
          const message = info.getValue();
          if (!message) return '—';
          return (
            <Tooltip label={message} multiline w={320} withArrow>
              <Text size="xs" c="red.9" lineClamp={2} maw={220} tabIndex={0}>
                {message}
              </Text>
            </Tooltip>
          );
        },
      }),
      column.display({
        id: 'actions',
        header: () => <span className="visually-hidden">Actions</span>,
        cell: (info) => {
          const row = info.row.original;
          const name = fileName(row.outputFile);
          return (
            <Group gap={6} wrap="nowrap" justify="flex-end">
              {row.status === 'Completed' && (
                <Anchor
                  href={downloadHref(row.id)}
                  size="sm"
                  aria-label={`Download ${name}`}
                  data-testid="export-download"
                  download
                >
                  Download
                </Anchor>
              )}
              {canEdit && (row.status === 'Queued' || row.status === 'InProgress') && (
                <Button
                  size="xs"
                  variant="outline"
                  color="red"
                  loading={busyId === row.id}
                  onClick={() => onCancel(row)}
                  aria-label={`Cancel ${name}`}
                >
                  Cancel
                </Button>
              )}
              {canEdit && (row.status === 'Failed' || row.status === 'Cancelled') && (
                <Button
                  size="xs"
                  variant="light"
                  loading={busyId === row.id}
                  onClick={() => onRetry(row)}
                  aria-label={`Retry ${name}`}
                >
                  Retry
                </Button>
              )}
            </Group>
          );
        },
      }),
    ],
    [canEdit, busyId, onCancel, onRetry],
  );
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel() });

  return (
    <Table.ScrollContainer minWidth={880}>
      <Table verticalSpacing="xs" highlightOnHover data-testid="exports-table">
        <Table.Thead>
          {table.getHeaderGroups().map((group) => (
            <Table.Tr key={group.id}>
              {group.headers.map((header) => (
                <Table.Th key={header.id} scope="col">
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </Table.Th>
              ))}
            </Table.Tr>
          ))}
        </Table.Thead>
        <Table.Tbody>
          {table.getRowModel().rows.map((row) => (
            <Table.Tr
              key={row.id}
              data-testid="export-row"
              data-id={row.original.id}
              data-output={fileName(row.original.outputFile)}
            >
              {row.getVisibleCells().map((cell) => (
                <Table.Td key={cell.id}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
