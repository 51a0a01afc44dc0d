'use client';

import {
  Alert,
  Anchor,
  Card,
  Code,
  Group,
  Progress,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { STATUS_COLORS } from '@/components/projects/ProjectsView';
import { RelativeTime } from '@/components/projects/RelativeTime';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { formatTimestamp, humanize } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import { InPlaceEdit } from './InPlaceEdit';
import { ProjectTabs } from './ProjectTabs';
import { ALERT_STYLES, ToneBadge } from '@/components/projects/ui';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={700} tt="uppercase">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

/** One project: its state, its text edited in place, and the tabs. */
export function ProjectView({ id }: { id: string }) {
  const trpc = useTRPC();
  const editor = canEdit(usePrincipal().role);
  const { data: project } = useSuspenseQuery(trpc.projects.get.queryOptions({ id }));
  const audit = useQuery(trpc.projects.audit.queryOptions({ id }));
  const creator = audit.data?.creator?.displayName;
  const lastEditor = audit.data?.lastEditor?.displayName;

  return (
    <Stack gap="md">
      <Anchor component={Link} href="/projects" size="sm">
        ← All projects
      </Anchor>
      <InPlaceEdit
        projectId={project.id}
        field="title"
        value={project.title}
        rowVersion={project.rowVersion}
        editable={editor}
      >
        <Title order={1} style={{ overflowWrap: 'anywhere' }}>
          {project.title}
        </Title>
      </InPlaceEdit>
      <InPlaceEdit
        projectId={project.id}
        field="description"
        value={project.description ?? ''}
        rowVersion={project.rowVersion}
        editable={editor}
      >
        <Text
          c={project.description ? undefined : 'dimmed'}
          style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
        >
          {project.description || 'No description.'}
        </Text>
      </InPlaceEdit>

      {project.status === 'Failed' && (
        <Alert styles={ALERT_STYLES} color="red" title="This project failed" role="alert">
          {project.errorMessage ?? 'No reason was recorded.'}
        </Alert>
      )}

      <Card withBorder padding="md">
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 4 }} spacing="md" verticalSpacing="sm">
          <Fact label="Status">
            <ToneBadge color={STATUS_COLORS[project.status] ?? 'gray'}>
              {humanize(project.status)}
            </ToneBadge>
          </Fact>
          <Fact label="Stage">{project.currentStage}</Fact>
          <Fact label="Wizard step">{project.currentWizardStep}</Fact>
          <Fact label="Progress">
            <Group gap="xs" wrap="nowrap">
              <Progress
                value={project.progressPercent}
                w={100}
                aria-label="Progress"
                styles={{ root: { backgroundColor: 'var(--progress-track)' } }}
              />
              <Text size="sm">{project.progressPercent}%</Text>
            </Group>
          </Fact>
          <Fact label="Render job">
            {project.jobId ? (
              <Code>{project.jobId}</Code>
            ) : (
              <Text c="dimmed" size="sm">
                none
              </Text>
            )}
          </Fact>
          <Fact label="Created">
            <Text size="sm">
              {formatTimestamp(project.createdAt)}
              {creator ? ` by ${creator}` : ''}
            </Text>
          </Fact>
          <Fact label="Updated">
            <Text size="sm">
              {formatTimestamp(project.updatedAt)}
              {lastEditor ? ` by ${lastEditor}` : ''} (<RelativeTime iso={project.updatedAt} />)
            </Text>
          </Fact>
          {project.completedAt && (
            <Fact label="Completed">
              <Text size="sm">{formatTimestamp(project.completedAt)}</Text>
            </Fact>
          )}
        </SimpleGrid>
      </Card>

      <ProjectTabs project={project} />
    </Stack>
  );
}
