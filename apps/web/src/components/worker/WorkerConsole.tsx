'use client';

import { ScrollTable, Notice } from '@/components/health/ScrollTable';
import {
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
import { useQuery } from '@tanstack/react-query';
import { useQueryState } from 'nuqs';
import { QueryState, TONE } from '@/components/admin/feedback';
import { formatDuration, formatInterval } from '@/components/health/ops-format';
import { When } from '@/components/versions/when';
import { useTRPC } from '@/trpc/react';

type Figures = Record<string, string | number | boolean | null>;

function FiguresList({ figures }: { figures: Figures | null }) {
  const entries = Object.entries(figures ?? {});
  if (entries.length === 0)
    return (
      <Text size="xs" c="dimmed">
        —
      </Text>
    );
  return (
    <Group gap={4}>
      {entries.slice(0, 8).map(([key, value]) => (
        <Code key={key} fz="xs">
          {key}: {String(value)}
        </Code>
      ))}
    </Group>
  );
}

/** The newest worker's heartbeat: alive, last tick, since when. */
export function Heartbeat() {
  const trpc = useTRPC();
  const status = useQuery(trpc.worker.status.queryOptions());
  const worker = status.data?.[0];
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="heartbeat-title">
      <Title order={2} size="h4" id="heartbeat-title" mb="xs">
        Heartbeat
      </Title>
      <QueryState isPending={status.isPending} error={status.error} label="the worker status">
        {!worker ? (
          <Notice color="yellow" title="No worker has run yet">
            Start it with <Code>pnpm start</Code> (or <Code>pnpm --filter @aura/worker start</Code>
            ): exports, cleanups and scheduled backups only happen while it runs.
          </Notice>
        ) : (
          <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} data-testid="heartbeat">
            <div>
              <Text size="xs" c="dimmed">
                State
              </Text>
              <Badge
                color={worker.alive ? TONE.ok : TONE.danger}
                variant="filled"
                data-testid="worker-state"
              >
                {worker.alive ? 'alive' : worker.stoppedAt ? 'stopped' : 'silent'}
              </Badge>
            </div>
            <div>
              <Text size="xs" c="dimmed">
                Last tick
              </Text>
              <When iso={worker.lastTickAt} />
            </div>
            <div>
              <Text size="xs" c="dimmed">
                Started
              </Text>
              <When iso={worker.startedAt} />
            </div>
            <div>
              <Text size="xs" c="dimmed">
                Process
              </Text>
              <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                {worker.workerId} · {worker.tickCount} ticks
              </Text>
            </div>
          </SimpleGrid>
        )}
      </QueryState>
    </Card>
  );
}

function RunHistory({ job }: { job: string }) {
  const trpc = useTRPC();
  const runs = useQuery(trpc.worker.runs.queryOptions({ job, limit: 50 }));
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="runs-title">
      <Title order={2} size="h4" id="runs-title" mb="xs">
        Run history: {job}
      </Title>
      <QueryState isPending={runs.isPending} error={runs.error} label="the run history">
        {runs.data?.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No recorded run of this job yet.
          </Text>
        ) : (
          <ScrollTable minWidth={620} label="Run history">
            <Table verticalSpacing="xs" data-testid="run-history">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Started</Table.Th>
                  <Table.Th scope="col">Result</Table.Th>
                  <Table.Th scope="col">Duration</Table.Th>
                  <Table.Th scope="col">Figures or failure</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {runs.data?.items.map((run) => (
                  <Table.Tr key={run.id}>
                    <Table.Td>
                      <When iso={run.startedAt} />
                    </Table.Td>
                    <Table.Td>
                      <Badge
                        color={run.status === 'Succeeded' ? TONE.ok : TONE.danger}
                        variant="filled"
                      >
                        {run.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{formatDuration(run.durationMs)}</Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>
                      {run.errorMessage ? (
                        <Text size="sm" c={TONE.danger}>
                          {run.errorMessage}
                        </Text>
                      ) : (
                        <FiguresList figures={run.result} />
                      )}
                    </Table.Td>
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

/** The worker page: heartbeat, each job, and the run history of the chosen job (?job=). */
export function WorkerConsole() {
  const trpc = useTRPC();
  const jobs = useQuery(trpc.worker.jobs.queryOptions());
  const [job, setJob] = useQueryState('job');
  return (
    <Stack gap="md">
      <Heartbeat />
      <Card withBorder padding="md" component="section" aria-labelledby="jobs-title">
        <Title order={2} size="h4" id="jobs-title" mb="xs">
          Jobs
        </Title>
        <QueryState isPending={jobs.isPending} error={jobs.error} label="the jobs">
          {jobs.data?.length === 0 ? (
            <Text size="sm" c="dimmed">
              No job has reported yet.
            </Text>
          ) : (
            <ScrollTable minWidth={980} label="Jobs">
              <Table verticalSpacing="xs" data-testid="jobs-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Job</Table.Th>
                    <Table.Th scope="col">Schedule</Table.Th>
                    <Table.Th scope="col">Last run</Table.Th>
                    <Table.Th scope="col">Duration</Table.Th>
                    <Table.Th scope="col">Last result</Table.Th>
                    <Table.Th scope="col">Failures</Table.Th>
                    <Table.Th scope="col">Next run</Table.Th>
                    <Table.Th scope="col">
                      <span className="visually-hidden">History</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {jobs.data?.map((row) => (
                    <Table.Tr key={row.name} data-testid="job-row" data-job={row.name}>
                      <Table.Td>
                        <Code>{row.name}</Code>
                      </Table.Td>
                      <Table.Td>{formatInterval(row.intervalMs)}</Table.Td>
                      <Table.Td>{row.lastRunAt ? <When iso={row.lastRunAt} /> : 'never'}</Table.Td>
                      <Table.Td>{formatDuration(row.lastDurationMs)}</Table.Td>
                      <Table.Td>
                        {row.lastError ? (
                          <Text size="sm" c={TONE.danger} style={{ overflowWrap: 'anywhere' }}>
                            {row.lastError}
                          </Text>
                        ) : (
                          <FiguresList figures={row.lastResult} />
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {row.failures} of {row.runs} runs
                        </Text>
                        {row.lastFailureMessage && (
                          <Text size="xs" c={TONE.danger} style={{ overflowWrap: 'anywhere' }}>
                            last: {row.lastFailureMessage}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{row.nextRunAt ? <When iso={row.nextRunAt} /> : '—'}</Table.Td>
                      <Table.Td>
                        <Button
                          size="xs"
                          variant={job === row.name ? 'filled' : 'light'}
                          onClick={() => void setJob(row.name)}
                          aria-label={`Run history of ${row.name}`}
                          aria-pressed={job === row.name}
                        >
                          History
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollTable>
          )}
        </QueryState>
      </Card>
      {job && <RunHistory job={job} />}
    </Stack>
  );
}
