'use client';

import { ScrollTable } from '@/components/health/ScrollTable';
import { AreaChart } from '@mantine/charts';
import {
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { notifyDone, notifyError, QueryState, TONE } from '@/components/admin/feedback';
import { formatMinutes } from '@/components/health/ops-format';
import { isAdmin, usePrincipal } from '@/components/shell/principal';
import { When } from '@/components/versions/when';
import { formatBytes } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import type { RouterOutputs } from '@aura/api';

type AwaitingBlob = RouterOutputs['storage']['awaiting']['items'][number];

export const HISTORY_DAYS = 30;

function Stat({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  testId?: string;
}) {
  return (
    <Card withBorder padding="sm" data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

function Summary() {
  const trpc = useTRPC();
  const summary = useQuery(trpc.storage.summary.queryOptions());
  return (
    <QueryState isPending={summary.isPending} error={summary.error} label="the storage summary">
      {summary.data && (
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} data-testid="storage-summary">
          <Stat
            label="Logical"
            value={formatBytes(summary.data.logicalBytes)}
            hint={`${summary.data.versions} versions as full copies`}
            testId="stat-logical"
          />
          <Stat
            label="Stored"
            value={formatBytes(summary.data.storedBytes)}
            hint={`${summary.data.blobs} distinct blobs`}
            testId="stat-stored"
          />
          <Stat
            label="Dedup ratio"
            value={`${summary.data.dedupRatio.toFixed(2)}×`}
            hint="logical ÷ stored"
            testId="stat-ratio"
          />
          <Stat
            label="Awaiting collection"
            value={String(summary.data.awaiting.count)}
            hint={`${formatBytes(summary.data.awaiting.bytes)}, ${summary.data.awaiting.collectableCount} past the grace`}
            testId="stat-awaiting"
          />
          <Stat
            label="Database"
            value={formatBytes(summary.data.database.sizeBytes)}
            hint="the main file"
            testId="stat-db"
          />
          <Stat
            label="Write-ahead log"
            value={formatBytes(summary.data.database.walSizeBytes)}
            hint="folded into the file at checkpoints"
            testId="stat-wal"
          />
        </SimpleGrid>
      )}
    </QueryState>
  );
}

function History() {
  const trpc = useTRPC();
  const history = useQuery(trpc.storage.history.queryOptions({ days: HISTORY_DAYS }));
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="history-title">
      <Title order={2} size="h4" id="history-title">
        Over time
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Logical vs stored bytes at the end of each of the last {HISTORY_DAYS} days (UTC), counted
        from when each version and blob kept today was written.
      </Text>
      <QueryState isPending={history.isPending} error={history.error} label="the storage history">
        {history.data && (
          <div
            role="img"
            aria-label={`Chart: logical and stored bytes over the last ${HISTORY_DAYS} days; today ${formatBytes(history.data.at(-1)?.logicalBytes ?? 0)} logical, ${formatBytes(history.data.at(-1)?.storedBytes ?? 0)} stored`}
          >
            <AreaChart
              h={240}
              data={history.data}
              dataKey="day"
              series={[
                { name: 'logicalBytes', label: 'Logical', color: 'blue.7' },
                { name: 'storedBytes', label: 'Stored', color: 'teal.8' },
              ]}
              curveType="monotone"
              // Drawn at once: an animated area is still empty when the page is read or captured.
              areaProps={{ isAnimationActive: false }}
              withLegend
              valueFormatter={(value) => formatBytes(value)}
              xAxisProps={{ tickFormatter: (day: string) => day.slice(5) }}
              yAxisProps={{ width: 72 }}
              data-testid="storage-chart"
            />
          </div>
        )}
      </QueryState>
    </Card>
  );
}

function Largest() {
  const trpc = useTRPC();
  const largest = useQuery(trpc.storage.largest.queryOptions({ limit: 10 }));
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="largest-title">
      <Title order={2} size="h4" id="largest-title" mb="xs">
        Largest histories
      </Title>
      <QueryState isPending={largest.isPending} error={largest.error} label="the largest histories">
        {largest.data?.length === 0 ? (
          <Text size="sm" c="dimmed">
            No versions yet.
          </Text>
        ) : (
          <ScrollTable minWidth={420} label="Largest histories">
            <Table verticalSpacing="xs" data-testid="largest-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Project</Table.Th>
                  <Table.Th scope="col">Versions</Table.Th>
                  <Table.Th scope="col">Logical size</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {largest.data?.map((row) => (
                  <Table.Tr key={row.projectId}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>
                      {row.title && !row.isDeleted ? (
                        <Anchor component={Link} href={`/projects/${row.projectId}`} size="sm">
                          {row.title}
                        </Anchor>
                      ) : (
                        <Text size="sm">
                          {row.title ?? row.projectId}{' '}
                          <Badge size="xs" variant="filled" color={TONE.muted}>
                            in trash
                          </Badge>
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{row.versions}</Table.Td>
                    <Table.Td>{formatBytes(row.logicalBytes)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        )}
      </QueryState>
    </Card>
  );
}

function BlobTable({ rows, testId }: { rows: AwaitingBlob[]; testId: string }) {
  return (
    <ScrollTable minWidth={620} label="Blobs">
      <Table verticalSpacing="xs" data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Blob</Table.Th>
            <Table.Th scope="col">Kind</Table.Th>
            <Table.Th scope="col">Size</Table.Th>
            <Table.Th scope="col">Unreferenced since</Table.Th>
            <Table.Th scope="col">Collectable</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((blob) => (
            <Table.Tr key={blob.contentHash} data-testid="blob-row">
              <Table.Td>
                <Code title={blob.contentHash}>{blob.contentHash.slice(0, 12)}</Code>
              </Table.Td>
              <Table.Td>{blob.contentType}</Table.Td>
              <Table.Td>{formatBytes(blob.sizeBytes)}</Table.Td>
              <Table.Td>
                <When iso={blob.lastReferencedAt} />
              </Table.Td>
              <Table.Td>
                {blob.collectableNow ? (
                  <Badge color={TONE.warn} variant="filled">
                    now
                  </Badge>
                ) : (
                  <When iso={blob.collectableAt} />
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}

function Collection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { role } = usePrincipal();
  const awaiting = useQuery(trpc.storage.awaiting.queryOptions({ limit: 50 }));
  const [preview, setPreview] = useState<RouterOutputs['storage']['collect'] | null>(null);
  const collect = useMutation(
    trpc.storage.collect.mutationOptions({
      onSuccess: async (result) => {
        if (result.dryRun) {
          setPreview(result);
          return;
        }
        setPreview(null);
        notifyDone(`Collected ${result.removed} blob(s), ${formatBytes(result.collectableBytes)}`);
        await queryClient.invalidateQueries({ queryKey: trpc.storage.pathKey() });
      },
      onError: (error) => notifyError('Could not collect', error),
    }),
  );
  const confirmCollect = () =>
    modals.openConfirmModal({
      title: 'Collect unreferenced blobs now?',
      children: (
        <Text size="sm">
          Every blob no version references and unreferenced for longer than the grace period is
          deleted for good. Run the dry run first to see which.
        </Text>
      ),
      labels: { confirm: 'Collect now', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => collect.mutate({ dryRun: false }),
    });
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="awaiting-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="awaiting-title">
          Awaiting collection
        </Title>
        {isAdmin(role) && (
          <Group gap="xs">
            <Button
              variant="light"
              size="xs"
              onClick={() => collect.mutate({ dryRun: true })}
              loading={collect.isPending && collect.variables?.dryRun === true}
            >
              Dry run
            </Button>
            <Button
              color={TONE.danger}
              variant="outline"
              size="xs"
              onClick={confirmCollect}
              loading={collect.isPending && collect.variables?.dryRun === false}
            >
              Collect now
            </Button>
          </Group>
        )}
      </Group>
      <QueryState
        isPending={awaiting.isPending}
        error={awaiting.error}
        label="the blobs awaiting collection"
      >
        {awaiting.data && (
          <Stack gap="sm">
            <Text size="sm" c="dimmed">
              Blobs no version references any more. Each is kept for the grace period (
              {formatMinutes(awaiting.data.graceMinutes)}, the setting Retention.BlobGraceMinutes)
              in case a version being written elsewhere is about to use it; the worker collects it
              after that.
            </Text>
            {awaiting.data.items.length === 0 ? (
              <Text size="sm">Nothing is waiting.</Text>
            ) : (
              <BlobTable rows={awaiting.data.items} testId="awaiting-table" />
            )}
          </Stack>
        )}
      </QueryState>
      {preview && (
        <Card
          withBorder
          mt="sm"
          padding="sm"
          data-testid="dry-run"
          role="region"
          aria-label="Dry run result"
        >
          <Text size="sm" fw={600} role="status">
            Dry run: {preview.collectable} blob(s), {formatBytes(preview.collectableBytes)}, would
            be collected now
          </Text>
          {preview.wouldRemove.length > 0 && (
            <BlobTable rows={preview.wouldRemove} testId="dry-run-table" />
          )}
        </Card>
      )}
    </Card>
  );
}

/** The storage page: totals, the chart, largest histories, blobs awaiting collection. */
export function StorageConsole() {
  return (
    <Stack gap="md">
      <Summary />
      <History />
      <SimpleGrid cols={{ base: 1, xl: 2 }}>
        <Largest />
        <Collection />
      </SimpleGrid>
    </Stack>
  );
}
