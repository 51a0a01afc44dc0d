import type { RouterOutputs } from '@aura/api/client';
import { Alert, Code, Text } from '@mantine/core';

type Health = RouterOutputs['health']['details'];

export function databaseReady(health: Health): boolean {
  return (
    health.database.reachable && !health.migrations.error && health.migrations.pending.length === 0
  );
}

/** What to do when the database cannot serve the dashboard yet. */
export function DatabaseNotReady({ health }: { health: Health }) {
  const file = health.database.path ?? 'the database';
  return (
    <Alert
      styles={{ title: { color: 'var(--mantine-color-black)' } }}
      color="orange"
      title="The database is not ready"
      role="alert"
    >
      {!health.database.reachable ? (
        <Text>
          Cannot open <Code>{file}</Code>: {health.database.error}
        </Text>
      ) : health.migrations.error ? (
        <Text>Cannot read the migrations: {health.migrations.error}</Text>
      ) : (
        <Text>
          {health.migrations.pending.length} migration
          {health.migrations.pending.length === 1 ? ' is' : 's are'} not applied to{' '}
          <Code>{file}</Code>. Run <Code>pnpm db:migrate</Code> and reload this page.
        </Text>
      )}
    </Alert>
  );
}
