'use client';

import { Button, Card, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { modals } from '@mantine/modals';
import { errorMessage } from '@/lib/errors';
import { RelativeTime } from '@/components/projects/RelativeTime';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { formatTimestamp } from '@/lib/format';
import { useTRPCClient } from '@/trpc/react';
import type { ProjectDetail } from './ProjectTabs';
import { useProjectRefresh } from './use-project-refresh';
import { ToneBadge, toast } from '@/components/projects/ui';

type Checkpoint = ProjectDetail['checkpoints'][number];

/** Checkpoints per stage, newest first; the newest valid one is where a render resumes. */
export function CheckpointsTab({ project }: { project: ProjectDetail }) {
  const client = useTRPCClient();
  const refresh = useProjectRefresh(project.id);
  const editor = canEdit(usePrincipal().role);
  // projects.get returns them newest first.
  const latestValid = project.checkpoints.find((c) => c.isValid);
  const byStage = new Map<string, Checkpoint[]>();
  for (const checkpoint of project.checkpoints) {
    const list = byStage.get(checkpoint.stageName) ?? [];
    list.push(checkpoint);
    byStage.set(checkpoint.stageName, list);
  }

  function invalidate(checkpoint: Checkpoint) {
    modals.openConfirmModal({
      title: 'Invalidate this checkpoint?',
      children: (
        <Text size="sm">
          The {checkpoint.stageName} checkpoint of {formatTimestamp(checkpoint.checkpointTime)} will
          no longer be used to resume a render.
        </Text>
      ),
      labels: { confirm: 'Invalidate', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () =>
        void (async () => {
          try {
            await client.checkpoints.invalidate.mutate({
              id: checkpoint.id,
              rowVersion: checkpoint.rowVersion,
            });
            toast({
              color: 'green',
              title: 'Checkpoint invalidated',
              message: `${checkpoint.stageName}, ${formatTimestamp(checkpoint.checkpointTime)}`,
            });
          } catch (error) {
            toast({
              color: 'red',
              title: 'Not invalidated',
              message: errorMessage(error),
            });
          }
          await refresh();
        })(),
    });
  }

  if (project.checkpoints.length === 0) return <Text c="dimmed">No checkpoints recorded.</Text>;
  return (
    <Stack gap="md">
      <Text size="sm">
        {latestValid
          ? `A render resumes from the ${latestValid.stageName} checkpoint of ${formatTimestamp(latestValid.checkpointTime)} (highlighted).`
          : 'No valid checkpoint: a render starts from the beginning.'}
      </Text>
      {[...byStage.entries()].map(([stage, checkpoints]) => (
        <Card key={stage} withBorder padding={0}>
          <Title order={3} size="h5" p="sm">
            {stage}
          </Title>
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Scenes</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Output</Table.Th>
                  {editor && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {checkpoints.map((checkpoint) => {
                  const latest = checkpoint.id === latestValid?.id;
                  return (
                    <Table.Tr
                      key={checkpoint.id}
                      data-testid="checkpoint-row"
                      data-latest={latest || undefined}
                      style={
                        latest
                          ? {
                              background: 'var(--mantine-color-green-0)',
                              outline: '2px solid var(--mantine-color-green-8)',
                            }
                          : undefined
                      }
                    >
                      <Table.Td>
                        <Stack gap={0}>
                          <RelativeTime iso={checkpoint.checkpointTime} />
                          <Text size="xs" c="dimmed">
                            {formatTimestamp(checkpoint.checkpointTime)}
                          </Text>
                        </Stack>
                      </Table.Td>
                      <Table.Td>
                        {checkpoint.completedScenes} / {checkpoint.totalScenes}
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {checkpoint.isValid ? (
                            <ToneBadge color="green">Valid</ToneBadge>
                          ) : (
                            <ToneBadge color="gray">Invalid</ToneBadge>
                          )}
                          {latest && <ToneBadge color="green">Latest valid</ToneBadge>}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        {checkpoint.outputFilePath ? (
                          <Code style={{ overflowWrap: 'anywhere' }}>
                            {checkpoint.outputFilePath}
                          </Code>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                      {editor && (
                        <Table.Td>
                          {checkpoint.isValid && (
                            <Button
                              size="xs"
                              variant="default"
                              c="red.9"
                              onClick={() => invalidate(checkpoint)}
                            >
                              Invalidate
                            </Button>
                          )}
                        </Table.Td>
                      )}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      ))}
    </Stack>
  );
}
