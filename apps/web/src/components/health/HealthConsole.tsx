'use client';

import { Notice } from './ScrollTable';
import {
  Anchor,
  Badge,
  Card,
  Code,
  Group,
  List,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { QueryState, TONE } from '@/components/admin/feedback';
import { When } from '@/components/versions/when';
import { formatBytes } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import { formatDuration } from './ops-format';

function Panel({
  id,
  title,
  ok,
  children,
}: {
  id: string;
  title: string;
  ok: boolean | null;
  children: ReactNode;
}) {
  return (
    <Card
      withBorder
      padding="md"
      component="section"
      aria-labelledby={`${id}-title`}
      data-testid={id}
    >
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id={`${id}-title`}>
          {title}
        </Title>
        {ok !== null && (
          <Badge color={ok ? TONE.ok : TONE.danger} variant="filled">
            {ok ? 'ok' : 'attention'}
          </Badge>
        )}
      </Group>
      {children}
    </Card>
  );
}

function Tags({ items, empty }: { items: readonly string[]; empty: string }) {
  if (items.length === 0) return <Text size="sm">{empty}</Text>;
  return (
    <List size="sm">
      {items.map((tag) => (
        <List.Item key={tag}>
          <Code>{tag}</Code>
        </List.Item>
      ))}
    </List>
  );
}

/** Everything to look at when something is wrong: database, migrations, integrity, worker, backup. */
export function HealthConsole() {
  const trpc = useTRPC();
  const health = useQuery(trpc.health.details.queryOptions());
  return (
    <QueryState isPending={health.isPending} error={health.error} label="the health report">
      {health.data &&
        (() => {
          const h = health.data;
          const m = h.migrations;
          return (
            <Stack gap="md">
              <Notice
                color={h.ok ? 'green' : 'red'}
                title={h.ok ? 'The service is healthy' : 'Something needs attention'}
                data-testid="health-overall"
              >
                Checked <When iso={h.checkedAt} />.
              </Notice>
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                <Panel id="health-database" title="Database" ok={h.database.reachable}>
                  <Stack gap={4}>
                    <Text size="sm">
                      {h.database.reachable
                        ? 'Reachable'
                        : `Unreachable: ${h.database.error ?? ''}`}
                    </Text>
                    {h.database.path && (
                      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                        File: <Code>{h.database.path}</Code>
                      </Text>
                    )}
                    <Text size="sm">
                      Size: {formatBytes(h.database.sizeBytes)} · write-ahead log:{' '}
                      {formatBytes(h.database.walSizeBytes)}
                    </Text>
                  </Stack>
                </Panel>
                <Panel id="health-migrations" title="Migrations" ok={m.upToDate}>
                  <Stack gap={4}>
                    <Text size="sm">
                      {m.applied} applied of {m.known} known
                    </Text>
                    <Text size="sm" fw={600}>
                      Pending
                    </Text>
                    <Tags items={m.pending} empty="none" />
                    <Text size="sm" fw={600}>
                      Modified since applied
                    </Text>
                    <Tags items={m.modified} empty="none" />
                    {m.unknown.length > 0 && (
                      <>
                        <Text size="sm" fw={600}>
                          Applied but unknown to this code (the database is newer)
                        </Text>
                        <Tags items={m.unknown} empty="none" />
                      </>
                    )}
                    {!m.upToDate && (
                      <Text size="sm">
                        Fix: stop the server and run <Code>pnpm db:migrate</Code>.
                      </Text>
                    )}
                    {m.error && (
                      <Text size="sm" c={TONE.danger}>
                        {m.error}
                      </Text>
                    )}
                  </Stack>
                </Panel>
                <Panel
                  id="health-integrity"
                  title="Integrity"
                  ok={h.integrity ? h.integrity.ok : null}
                >
                  {h.integrity ? (
                    <Text size="sm">
                      Last check <When iso={h.integrity.at} /> (
                      {formatDuration(h.integrity.durationMs)}
                      ): {h.integrity.ok ? 'no problem found' : h.integrity.error}
                    </Text>
                  ) : (
                    <Text size="sm">
                      Not checked yet: the worker checks once a day (and when it starts).{' '}
                      <Code>pnpm db:verify</Code> checks by hand.
                    </Text>
                  )}
                </Panel>
                <Panel
                  id="health-worker"
                  title="Worker"
                  ok={h.worker ? h.worker.alive && h.worker.failingJobs.length === 0 : false}
                >
                  {h.worker ? (
                    <Stack gap={4}>
                      <Text size="sm">
                        {h.worker.alive ? 'Alive' : h.worker.stoppedAt ? 'Stopped' : 'Silent'}: last
                        tick <When iso={h.worker.lastTickAt} />
                      </Text>
                      {h.worker.failingJobs.length > 0 && (
                        <Text size="sm" c={TONE.danger}>
                          Failing: {h.worker.failingJobs.join(', ')}
                        </Text>
                      )}
                      <Anchor component={Link} href="/worker" size="sm">
                        Jobs and run history
                      </Anchor>
                    </Stack>
                  ) : (
                    <Text size="sm">
                      No worker has run: start it with <Code>pnpm start</Code>.
                    </Text>
                  )}
                </Panel>
                <Panel
                  id="health-backup"
                  title="Last backup"
                  ok={h.lastBackup ? h.lastBackup.status === 'Succeeded' : null}
                >
                  {h.lastBackup ? (
                    <Text size="sm">
                      {h.lastBackup.status} <When iso={h.lastBackup.startedAt} />
                      {h.lastBackup.error && `: ${h.lastBackup.error}`}
                    </Text>
                  ) : (
                    <Text size="sm">No backup has been taken yet.</Text>
                  )}
                </Panel>
              </SimpleGrid>
            </Stack>
          );
        })()}
    </QueryState>
  );
}
