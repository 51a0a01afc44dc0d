'use client';

import { Button, Card, Group, Table, Text, Title } from '@mantine/core';
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
} from '@tanstack/react-table';
import { useMemo, type ReactNode } from 'react';
import { When } from '@/components/versions/when';
import classes from './trash.module.css';

/** One trashed thing, whatever its kind. */
export interface TrashRow {
  id: string;
  /** What it is called, e.g. `Project “Rivers”`: confirmations and button labels use it. */
  name: string;
  detail: ReactNode;
  deletedAt: string | null;
  deletedBy: string;
}

const column = createColumnHelper<TrashRow>();

/** A kind of trash as a table: what, when, who, and restore / purge where the role allows. */
export function TrashTable({
  id,
  title,
  rows,
  empty,
  restoreLabel = 'Restore',
  onRestore,
  onPurge,
  busyId,
  footer,
}: {
  id: string;
  title: string;
  rows: TrashRow[];
  empty: string;
  restoreLabel?: string;
  onRestore?: (row: TrashRow) => void;
  onPurge?: (row: TrashRow) => void;
  busyId: string | null;
  footer?: ReactNode;
}) {
  const columns = useMemo(
    () => [
      column.accessor('name', {
        header: 'Item',
        cell: (info) => (
          <div style={{ minWidth: 0 }}>
            <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
              {info.getValue()}
            </Text>
            <Text size="xs" c="dimmed" component="div">
              {info.row.original.detail}
            </Text>
          </div>
        ),
      }),
      column.accessor('deletedAt', {
        header: 'Deleted',
        cell: (info) => {
          const at = info.getValue();
          return at ? <When iso={at} /> : '—';
        },
      }),
      column.accessor('deletedBy', { header: 'By' }),
      column.display({
        id: 'actions',
        header: () => <span className="visually-hidden">Actions</span>,
        cell: (info) => {
          const row = info.row.original;
          return (
            <Group gap={6} wrap="nowrap" justify="flex-end">
              {onRestore && (
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => onRestore(row)}
                  loading={busyId === row.id}
                  aria-label={`${restoreLabel} ${row.name}`}
                >
                  {restoreLabel}
                </Button>
              )}
              {onPurge && (
                <Button
                  size="xs"
                  variant="outline"
                  color="red"
                  onClick={() => onPurge(row)}
                  aria-label={`Purge ${row.name}`}
                >
                  Purge
                </Button>
              )}
            </Group>
          );
        },
      }),
    ],
    [onRestore, onPurge, busyId, restoreLabel],
  );
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel() });

  return (
    <Card withBorder padding="sm" component="section" aria-labelledby={`${id}-title`}>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id={`${id}-title`}>
          {title}
        </Title>
        <Text size="sm" c="dimmed">
          {rows.length === 0 ? 'empty' : `${rows.length} shown`}
        </Text>
      </Group>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <div className={classes.scroll}>
          <Table
            verticalSpacing="xs"
            highlightOnHover
            className={classes.table}
            data-testid={`${id}-table`}
          >
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
                <Table.Tr key={row.id} data-testid="trash-row" data-name={row.original.name}>
                  {row.getVisibleCells().map((cell) => (
                    <Table.Td
                      key={cell.id}
                      data-label={
                        cell.column.id === 'deletedAt'
                          ? 'Deleted'
                          : cell.column.id === 'deletedBy'
                            ? 'By'
                            : undefined
                      }
                    >
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {footer}
    </Card>
  );
}
