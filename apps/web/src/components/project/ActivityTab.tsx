'use client';

import { Alert, Button, Card, Group, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { RelativeTime } from '@/components/projects/RelativeTime';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { useUndoRedo } from '@/components/shell/UndoRedo';
import { formatTimestamp } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import { ALERT_STYLES, ToneBadge } from '@/components/projects/ui';

const STATUS_COLORS: Record<string, string> = {
  Applied: 'green',
  Undone: 'gray',
  Failed: 'red',
  Expired: 'yellow',
};

/** The project's action log: who did what, when; undo and redo of the user's own last step. */
export function ActivityTab({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const editor = canEdit(usePrincipal().role);
  const { run, undoPending, redoPending } = useUndoRedo();
  const activity = useInfiniteQuery(
    trpc.projects.activity.infiniteQueryOptions(
      { projectId, limit: 30 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = activity.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Stack gap="md">
      {editor && (
        <Group gap="xs">
          <Button
            variant="default"
            size="xs"
            loading={undoPending}
            onClick={() => run.current('undo')}
          >
            Undo my last step
          </Button>
          <Button
            variant="default"
            size="xs"
            loading={redoPending}
            onClick={() => run.current('redo')}
          >
            Redo
          </Button>
          <Text size="xs" c="dimmed">
            Undo and redo apply to your own latest step, on this project or elsewhere.
          </Text>
        </Group>
      )}
      {activity.isError && (
        <Alert styles={ALERT_STYLES} color="red" title="The activity could not be loaded">
          {activity.error.message}
        </Alert>
      )}
      {activity.isPending && <Text c="dimmed">Loading the activity…</Text>}
      {!activity.isPending && items.length === 0 && (
        <Text c="dimmed">Nothing recorded for this project yet.</Text>
      )}
      {items.length > 0 && (
        <Card withBorder padding={0}>
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing="xs" striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th>State</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((item) => (
                  <Table.Tr key={item.id} data-testid="activity-row">
                    <Table.Td>
                      <Stack gap={0}>
                        <RelativeTime iso={item.timestamp} />
                        <Text size="xs" c="dimmed">
                          {formatTimestamp(item.timestamp)}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      {item.userName ?? 'a deleted user'}
                      {item.mine && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          (you)
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>
                      {item.description}
                      {item.errorMessage && (
                        <Text size="xs" c="red.8">
                          {item.errorMessage}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <ToneBadge color={STATUS_COLORS[item.status] ?? 'gray'}>
                        {item.status}
                      </ToneBadge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      {activity.hasNextPage && (
        <Button
          variant="default"
          w="fit-content"
          loading={activity.isFetchingNextPage}
          onClick={() => void activity.fetchNextPage()}
        >
          Show older
        </Button>
      )}
    </Stack>
  );
}
