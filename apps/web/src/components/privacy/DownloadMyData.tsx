'use client';

import { Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { QueryState } from '@/components/admin/feedback';
import { useTRPC } from '@/trpc/react';

/**
 * "Download my data" (issue 13): what the archive holds (files and counts, from users.exportData)
 * and a link to the streamed zip. `userId`: an admin downloading someone else's data.
 */
export function DownloadMyData({ userId }: { userId?: string }) {
  const trpc = useTRPC();
  const manifest = useQuery(trpc.users.exportData.queryOptions(userId ? { userId } : undefined));
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="download-my-data">
      <Stack gap="sm">
        <Title order={2} size="h3" id="download-my-data">
          {userId ? 'Download this user’s data' : 'Download my data'}
        </Title>
        <Text size="sm" c="dimmed">
          One zip with a README and, as JSON, everything this installation holds about{' '}
          {userId ? 'this user' : 'you'}: profile, projects with their scenes, assets, checkpoints
          and every version, custom templates, ratings, setup, settings changed, the action log, and
          token and sign-in details (never a password, token or hash).
        </Text>
        <QueryState isPending={manifest.isPending} error={manifest.error} label="your data">
          {manifest.data && (
            <>
              <Table.ScrollContainer minWidth={320}>
                <Table aria-label="What the archive holds" withTableBorder>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>File</Table.Th>
                      <Table.Th ta="right">Items</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {manifest.data.sections.map((section) => (
                      <Table.Tr key={section.file}>
                        <Table.Td style={{ wordBreak: 'break-all' }}>
                          <Text size="sm" ff="monospace">
                            {section.file}
                          </Text>
                        </Table.Td>
                        <Table.Td ta="right">{section.count}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Group>
                <Button
                  component="a"
                  href={manifest.data.downloadUrl}
                  download
                  data-testid="download-my-data"
                >
                  {userId ? 'Download (.zip)' : 'Download my data (.zip)'}
                </Button>
              </Group>
            </>
          )}
        </QueryState>
      </Stack>
    </Card>
  );
}
