'use client';

import { Alert, Button, Card, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '@/lib/errors';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { formatBytes } from '@/lib/format';
import { useTRPC, useTRPCClient } from '@/trpc/react';
import type { ProjectDetail } from './ProjectTabs';
import { useProjectRefresh } from './use-project-refresh';
import { ALERT_STYLES, ToneBadge, toast } from '@/components/projects/ui';

type Asset = ProjectDetail['assets'][number];

/** The project's files by type: temporary or permanent, size, missing on disk; mark permanent. */
export function AssetsTab({ project }: { project: ProjectDetail }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const refresh = useProjectRefresh(project.id);
  const editor = canEdit(usePrincipal().role);
  const [pending, setPending] = useState<string | null>(null);
  const files = useQuery(trpc.projects.missingFiles.queryOptions({ id: project.id }));
  const problems = new Map(
    (files.data?.missing ?? [])
      .filter((m) => m.kind === 'asset')
      .map((m) => [m.ownerId, m.reason] as const),
  );
  const sceneProblems = (files.data?.missing ?? []).filter(
    (m) => m.kind === 'sceneAudio' || m.kind === 'sceneImage',
  );

  const byType = new Map<string, Asset[]>();
  for (const asset of project.assets) {
    const list = byType.get(asset.assetType) ?? [];
    list.push(asset);
    byType.set(asset.assetType, list);
  }

  async function markPermanent(asset: Asset) {
    setPending(asset.id);
    try {
      await client.assets.markPermanent.mutate({ id: asset.id, rowVersion: asset.rowVersion });
      toast({
        color: 'green',
        title: 'Marked permanent',
        message: asset.filePath,
      });
    } catch (error) {
      toast({
        color: 'red',
        title: 'Not marked permanent',
        message: errorMessage(error),
      });
    }
    setPending(null);
    await refresh();
  }

  return (
    <Stack gap="md">
      {files.isError && (
        <Alert styles={ALERT_STYLES} color="orange" title="Could not check the files on disk">
          {files.error.message}
        </Alert>
      )}
      {sceneProblems.length > 0 && (
        <Alert styles={ALERT_STYLES} color="orange" title="Scene files missing" role="alert">
          {sceneProblems.length} file{sceneProblems.length === 1 ? '' : 's'} referenced by scenes{' '}
          {sceneProblems.length === 1 ? 'is' : 'are'} not available:{' '}
          {sceneProblems.map((m) => m.path).join(', ')}
        </Alert>
      )}
      {project.assets.length === 0 && <Text c="dimmed">No assets registered.</Text>}
      {[...byType.entries()].map(([type, assets]) => (
        <Card key={type} withBorder padding={0}>
          <Group justify="space-between" p="sm">
            <Title order={3} size="h5">
              {type} ({assets.length})
            </Title>
            <Text size="sm" c="dimmed">
              {formatBytes(assets.reduce((sum, a) => sum + a.fileSizeBytes, 0))}
            </Text>
          </Group>
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing="xs" striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>File</Table.Th>
                  <Table.Th>Kept</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Type</Table.Th>
                  {editor && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {assets.map((asset) => {
                  const problem = problems.get(asset.id);
                  return (
                    <Table.Tr key={asset.id} data-testid="asset-row">
                      <Table.Td>
                        <Code style={{ overflowWrap: 'anywhere' }}>{asset.filePath}</Code>
                        {problem && (
                          <ToneBadge color="orange" ml="xs">
                            {problem === 'missing' ? 'Missing file' : 'Outside the media folders'}
                          </ToneBadge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        {asset.isTemporary ? (
                          <ToneBadge color="yellow">Temporary</ToneBadge>
                        ) : (
                          <ToneBadge color="green">Permanent</ToneBadge>
                        )}
                      </Table.Td>
                      <Table.Td>{formatBytes(asset.fileSizeBytes)}</Table.Td>
                      <Table.Td>{asset.mimeType ?? '—'}</Table.Td>
                      {editor && (
                        <Table.Td>
                          {asset.isTemporary && (
                            <Button
                              size="xs"
                              variant="default"
                              loading={pending === asset.id}
                              onClick={() => void markPermanent(asset)}
                              aria-label={`Mark ${asset.filePath} permanent`}
                            >
                              Mark permanent
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
