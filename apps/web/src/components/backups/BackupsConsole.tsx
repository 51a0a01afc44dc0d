'use client';

import { ScrollTable, Notice } from '@/components/health/ScrollTable';
import {
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  List,
  Loader,
  NumberInput,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  errorText,
  fieldError,
  notifyDone,
  notifyError,
  QueryState,
  type ApiError,
  TONE,
} from '@/components/admin/feedback';
import { formatDuration } from '@/components/health/ops-format';
import { When } from '@/components/versions/when';
import { formatBytes } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import type { RouterOutputs } from '@aura/api';

type BackupRun = RouterOutputs['backups']['list']['items'][number];
type NewRun = RouterOutputs['backups']['run'];

function baseName(file: string | null): string {
  if (!file) return '—';
  return file.split(/[\\/]/).pop() ?? file;
}

function durationOf(run: NewRun): number {
  return Date.parse(run.completedAt) - Date.parse(run.startedAt);
}

/** Taken before a personal-data erasure: restoring it would bring the erased data back. */
function predatesErasure(run: BackupRun): boolean {
  return run.predatesErasure;
}

/** "Back up now" with its live status, and the schedule (interval, keep count). */
function BackupNow() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [last, setLast] = useState<NewRun | null>(null);
  const run = useMutation(
    trpc.backups.run.mutationOptions({
      onSuccess: async (result) => {
        setLast(result);
        if (result.status === 'Succeeded') notifyDone(`Backup written: ${baseName(result.file)}`);
        else notifyError('The backup failed', { message: result.errorMessage ?? 'unknown error' });
        await queryClient.invalidateQueries({ queryKey: trpc.backups.pathKey() });
      },
      onError: (error) => notifyError('Could not start a backup', error),
    }),
  );
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="backup-now-title">
      <Title order={2} size="h4" id="backup-now-title" mb="xs">
        Back up now
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        An online copy of the live database (the server keeps running), integrity-checked before it
        is kept. Older backups beyond the keep count are removed.
      </Text>
      <Group gap="sm">
        <Button onClick={() => run.mutate()} loading={run.isPending} data-testid="backup-now">
          Back up now
        </Button>
        <div role="status" aria-live="polite" data-testid="backup-status">
          {run.isPending ? (
            <Group gap={6}>
              <Loader size="xs" aria-hidden />
              <Text size="sm">Backing up… copying and checking the database</Text>
            </Group>
          ) : last ? (
            last.status === 'Succeeded' ? (
              <Text size="sm" c={TONE.ok}>
                Done: {baseName(last.file)} ({formatBytes(last.sizeBytes)}) in{' '}
                {formatDuration(durationOf(last))}
              </Text>
            ) : (
              <Text size="sm" c={TONE.danger}>
                Failed: {last.errorMessage}
              </Text>
            )
          ) : run.error ? (
            <Text size="sm" c={TONE.danger}>
              {errorText(run.error)}
            </Text>
          ) : null}
        </div>
      </Group>
    </Card>
  );
}

function ScheduleForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.backups.settings.queryOptions());
  const schedule = useQuery(trpc.backups.schedule.queryOptions());
  const [intervalHours, setIntervalHours] = useState<number | string | null>(null);
  const [keep, setKeep] = useState<number | string | null>(null);
  const save = useMutation(
    trpc.backups.setSchedule.mutationOptions({
      onSuccess: async () => {
        notifyDone('Backup schedule saved');
        setIntervalHours(null);
        setKeep(null);
        await queryClient.invalidateQueries({ queryKey: trpc.backups.pathKey() });
      },
      onError: (error) => {
        if (!error.data?.zodError) notifyError('Could not save the schedule', error);
      },
    }),
  );
  const error = save.error as ApiError | null;
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="schedule-title">
      <Title order={2} size="h4" id="schedule-title" mb="xs">
        Schedule
      </Title>
      <QueryState isPending={settings.isPending} error={settings.error} label="the schedule">
        {settings.data && (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const data = settings.data;
              save.mutate({
                ...(intervalHours !== null && {
                  intervalHours: Number(intervalHours),
                  intervalRowVersion: data.intervalRowVersion ?? undefined,
                }),
                ...(keep !== null && {
                  keep: Number(keep),
                  keepRowVersion: data.keepRowVersion ?? undefined,
                }),
              });
            }}
          >
            <Stack gap="sm">
              {schedule.data && (
                <Text size="sm">
                  Next scheduled backup: <When iso={schedule.data.nextDueAt} />
                  {schedule.data.lastStartedAt && (
                    <>
                      {' '}
                      (last <When iso={schedule.data.lastStartedAt} />)
                    </>
                  )}
                </Text>
              )}
              <SimpleGrid cols={{ base: 1, xs: 2 }}>
                <NumberInput
                  label="Every (hours)"
                  description="1 to 720"
                  min={1}
                  max={720}
                  clampBehavior="none"
                  value={intervalHours ?? settings.data.intervalHours}
                  onChange={setIntervalHours}
                  error={fieldError(error, 'intervalHours', 'The interval')}
                />
                <NumberInput
                  label="Backups kept"
                  description="The newest are kept, 1 to 1000"
                  min={1}
                  max={1000}
                  clampBehavior="none"
                  value={keep ?? settings.data.keep}
                  onChange={setKeep}
                  error={fieldError(error, 'keep', 'The keep count')}
                />
              </SimpleGrid>
              <Group>
                <Button
                  type="submit"
                  variant="light"
                  loading={save.isPending}
                  disabled={intervalHours === null && keep === null}
                >
                  Save schedule
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </QueryState>
    </Card>
  );
}

function RunsTable() {
  const trpc = useTRPC();
  const runs = useQuery(trpc.backups.list.queryOptions({ limit: 50 }));
  const items = runs.data?.items ?? [];
  const showErasure = items.some(predatesErasure);
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="runs-title">
      <Title order={2} size="h4" id="runs-title" mb="xs">
        Backup runs
      </Title>
      <QueryState isPending={runs.isPending} error={runs.error} label="backup runs">
        {items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No backup has been taken yet.
          </Text>
        ) : (
          <ScrollTable minWidth={820} label="Backup runs">
            <Table verticalSpacing="xs" data-testid="backup-runs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Started</Table.Th>
                  <Table.Th scope="col">Trigger</Table.Th>
                  <Table.Th scope="col">Result</Table.Th>
                  <Table.Th scope="col">File</Table.Th>
                  <Table.Th scope="col">Size</Table.Th>
                  <Table.Th scope="col">Duration</Table.Th>
                  <Table.Th scope="col">Integrity</Table.Th>
                  {showErasure && <Table.Th scope="col">Erasures</Table.Th>}
                  <Table.Th scope="col">
                    <span className="visually-hidden">Download</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((run) => {
                  const erasure = predatesErasure(run);
                  return (
                    <Table.Tr key={run.id} data-testid="backup-run">
                      <Table.Td>
                        <When iso={run.startedAt} />
                      </Table.Td>
                      <Table.Td>{run.trigger}</Table.Td>
                      <Table.Td>
                        <Badge
                          color={run.status === 'Succeeded' ? TONE.ok : TONE.danger}
                          variant="filled"
                        >
                          {run.status}
                        </Badge>
                        {run.errorMessage && (
                          <Text size="xs" c={TONE.danger} style={{ overflowWrap: 'anywhere' }}>
                            {run.errorMessage}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>
                        <Code>{baseName(run.file)}</Code>
                      </Table.Td>
                      <Table.Td>{formatBytes(run.sizeBytes)}</Table.Td>
                      <Table.Td>{formatDuration(durationOf(run))}</Table.Td>
                      <Table.Td>{run.status === 'Succeeded' ? 'Checked: ok' : 'Not kept'}</Table.Td>
                      {showErasure && (
                        <Table.Td>
                          {erasure ? (
                            <Badge color={TONE.warn} variant="filled">
                              Predates an erasure
                            </Badge>
                          ) : (
                            '—'
                          )}
                        </Table.Td>
                      )}
                      <Table.Td>
                        {run.status === 'Succeeded' && run.file && (
                          <Anchor
                            href={`/api/backups/${run.id}/download`}
                            download
                            size="sm"
                            aria-label={`Download ${baseName(run.file)}`}
                          >
                            Download
                          </Anchor>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        )}
        {items.some((run) => predatesErasure(run)) && (
          <Text size="xs" c="dimmed" mt="xs">
            A backup that predates an erasure still holds the erased personal data: restoring it
            brings that data back.
          </Text>
        )}
      </QueryState>
    </Card>
  );
}

function RestoreSteps() {
  const trpc = useTRPC();
  const steps = useQuery(trpc.backups.restoreSteps.queryOptions());
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="restore-title">
      <Title order={2} size="h4" id="restore-title" mb="xs">
        Restoring a backup
      </Title>
      <Notice color="yellow" mb="sm" title="Restore is a command-line step">
        It cannot be done from this page: the web server and the worker must be stopped while the
        database file is replaced.
      </Notice>
      <QueryState isPending={steps.isPending} error={steps.error} label="the restore steps">
        {steps.data && (
          <Stack gap="xs">
            <Text size="sm">
              Database: <Code>{steps.data.databasePath}</Code> · backups:{' '}
              <Code>{steps.data.backupDirectory}</Code>
            </Text>
            <List type="ordered" spacing="xs" data-testid="restore-steps">
              {steps.data.steps.slice(1).map((step) => (
                <List.Item key={step.text}>
                  <Text size="sm">{step.text}</Text>
                  {step.command && (
                    <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                      {step.command}
                    </Code>
                  )}
                </List.Item>
              ))}
            </List>
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}

/** The backups page (admins): run now, schedule, the runs with downloads, how to restore. */
export function BackupsConsole() {
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <BackupNow />
        <ScheduleForm />
      </SimpleGrid>
      <RunsTable />
      <RestoreSteps />
    </Stack>
  );
}
