'use client';

import { Alert, Button } from '@mantine/core';

export default function TrashError({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <main className="page">
      <h1>Trash</h1>
      <Alert color="red" title="The trash could not be loaded" role="alert">
        {error.message}
      </Alert>
      <Button mt="sm" onClick={reset}>
        Try again
      </Button>
    </main>
  );
}
