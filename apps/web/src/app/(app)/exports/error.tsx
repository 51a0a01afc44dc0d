'use client';

import { Alert, Button, Group } from '@mantine/core';
import Link from 'next/link';

/** The exports page failed to render: say so, offer a retry and a way back. */
export default function ExportsError({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <Alert color="red" title="The exports could not be shown" role="alert">
      {error.message || 'Something went wrong.'}
      <Group mt="sm">
        <Button size="xs" onClick={reset}>
          Try again
        </Button>
        <Button size="xs" variant="light" component={Link} href="/projects">
          Back to the projects
        </Button>
      </Group>
    </Alert>
  );
}
