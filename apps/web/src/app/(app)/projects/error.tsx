'use client';

import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import Link from 'next/link';
import { ALERT_STYLES } from '@/components/projects/ui';

/** A failure while rendering the projects pages: what happened, retry, or go back. */
export default function ProjectsError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <Alert styles={ALERT_STYLES} color="red" title="The projects could not be shown" role="alert">
      <Stack gap="xs">
        <Text size="sm">{error.message || 'Something went wrong.'}</Text>
        {error.digest && (
          <Text size="xs" c="dimmed">
            Reference: {error.digest}
          </Text>
        )}
        <Group gap="xs">
          <Button size="xs" onClick={reset}>
            Try again
          </Button>
          <Button size="xs" variant="default" component={Link} href="/projects">
            All projects
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
