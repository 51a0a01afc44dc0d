'use client';

import { ScrollTable } from '@/components/health/ScrollTable';
import { Anchor, Badge, Button, Card, Code, Group, List, Stack, Table, Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { notifyDone, notifyError, QueryState, TONE } from '@/components/admin/feedback';
import { formatMinutes } from '@/components/health/ops-format';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { When } from '@/components/versions/when';
import { humanize } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import type { RouterOutputs } from '@aura/api';

type Interrupted = RouterOutputs['recovery']['list']['items'][number];

const KIND: Record<Interrupted['missingFiles'][number]['kind'], string> = {
  sceneAudio: 'scene audio',
  sceneImage: 'scene image',
  asset: 'asset',
  checkpointOutput: 'checkpoint output',
};

function MissingFiles({ files }: { files: Interrupted['missingFiles'] }) {
  if (files.length === 0) return <Text size="sm">none</Text>;
  return (
    <List size="xs" spacing={2}>
      {files.slice(0, 5).map((file) => (
        <List.Item key={`${file.kind}:${file.ownerId}:${file.path}`}>
          <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
            {KIND[file.kind]}: <Code fz="xs">{file.path}</Code>
            {file.reason === 'outsideMediaRoots' && ' (outside the media folders, not checked)'}
          </Text>
        </List.Item>
      ))}
      {files.length > 5 && <List.Item>… and {files.length - 5} more</List.Item>}
    </List>
  );
}

/** Interrupted projects: what they were doing, how long stuck, where to resume, what is missing. */
export function RecoveryConsole() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { role } = usePrincipal();
  const list = useQuery(trpc.recovery.list.queryOptions({}));
  const markFailed = useMutation(
    trpc.recovery.markFailed.mutationOptions({
      onSuccess: async (project) => {
        notifyDone(`Marked "${project.title}" as failed`);
        await queryClient.invalidateQueries({ queryKey: trpc.recovery.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.projects.pathKey() });
      },
      onError: (error) => notifyError('Could not mark the project failed', error),
    }),
  );
  const confirm = (project: Interrupted) =>
    modals.openConfirmModal({
      title: `Mark "${project.title}" as failed?`,
      children: (
        <Text size="sm">
          Its run is given up: the status becomes Failed with the reason “interrupted”. You can undo
          this from the undo history.
        </Text>
      ),
      labels: { confirm: 'Mark failed', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => markFailed.mutate({ id: project.id, rowVersion: project.rowVersion }),
    });

  return (
    <QueryState isPending={list.isPending} error={list.error} label="interrupted projects">
      {list.data && (
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            Projects still in progress that have not been updated for{' '}
            {formatMinutes(list.data.staleMinutes)} (the setting Retention.RecoveryStaleMinutes).
          </Text>
          {list.data.items.length === 0 ? (
            <Card withBorder padding="md">
              <Text size="sm" data-testid="recovery-empty">
                No interrupted project: nothing to recover.
              </Text>
            </Card>
          ) : (
            <Card withBorder padding="sm">
              <ScrollTable minWidth={900} label="Interrupted projects">
                <Table verticalSpacing="sm" data-testid="recovery-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Project</Table.Th>
                      <Table.Th scope="col">Stuck for</Table.Th>
                      <Table.Th scope="col">Last valid checkpoint</Table.Th>
                      <Table.Th scope="col">Missing files</Table.Th>
                      <Table.Th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.data.items.map((project) => (
                      <Table.Tr
                        key={project.id}
                        data-testid="recovery-row"
                        data-title={project.title}
                      >
                        <Table.Td style={{ overflowWrap: 'anywhere' }}>
                          <Text size="sm" fw={600}>
                            {project.title}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {humanize(project.currentStage)} · {project.progressPercent}%
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{formatMinutes(project.stuckMinutes)}</Text>
                          <Text size="xs" c="dimmed">
                            since <When iso={project.updatedAt} size="xs" />
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          {project.lastValidCheckpoint ? (
                            <>
                              <Text size="sm">
                                {project.lastValidCheckpoint.stageName} ·{' '}
                                {project.lastValidCheckpoint.completedScenes}/
                                {project.lastValidCheckpoint.totalScenes} scenes
                              </Text>
                              <When iso={project.lastValidCheckpoint.checkpointTime} size="xs" />
                            </>
                          ) : (
                            <Badge color={TONE.muted} variant="filled">
                              none: starts over
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <MissingFiles files={project.missingFiles} />
                        </Table.Td>
                        <Table.Td>
                          <Group gap={6} wrap="nowrap" justify="flex-end">
                            <Button
                              component={Link}
                              href={`/projects/${project.id}`}
                              size="xs"
                              variant="light"
                              aria-label={`Open ${project.title}`}
                            >
                              Open
                            </Button>
                            {canEdit(role) && (
                              <Button
                                size="xs"
                                variant="outline"
                                color={TONE.danger}
                                onClick={() => confirm(project)}
                                loading={
                                  markFailed.isPending && markFailed.variables.id === project.id
                                }
                                aria-label={`Mark ${project.title} failed`}
                              >
                                Mark failed
                              </Button>
                            )}
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
            </Card>
          )}
          {list.data.nextCursor && (
            <Text size="xs" c="dimmed">
              More interrupted projects exist than are shown; the newest are first.{' '}
              <Anchor component={Link} href="/projects?status=InProgress" size="xs">
                See all in progress
              </Anchor>
            </Text>
          )}
        </Stack>
      )}
    </QueryState>
  );
}
