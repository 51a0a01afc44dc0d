'use client';

import type { RouterOutputs } from '@aura/api/client';
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  PasswordInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { formatTimestamp } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import { fieldError, notifyDone, notifyError, QueryState, TONE } from './feedback';

type Token = RouterOutputs['auth']['tokens']['list'][number];

/** My account: my password, my API tokens, my sessions. */
export function AccountConsole() {
  return (
    <Stack gap="lg">
      <ChangePassword />
      <ApiTokens />
      <Sessions />
    </Stack>
  );
}

function ChangePassword() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: (result) => {
        setCurrent('');
        setNext('');
        setConfirm('');
        notifyDone(
          `Password changed. ${result.endedSessions} other session${result.endedSessions === 1 ? '' : 's'} signed out.`,
        );
        void queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.queryKey() });
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMismatch(next !== confirm);
    if (next !== confirm) return;
    change.mutate({ currentPassword: current, newPassword: next });
  };
  const error = change.error;
  const currentError = fieldError(error, 'currentPassword', 'The password');
  const newError = fieldError(error, 'newPassword', 'The new password');
  return (
    <Card withBorder component="section" aria-labelledby="password-heading">
      <Title order={2} size="h3" id="password-heading" mb="sm">
        Change password
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm" maw={420}>
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            error={currentError}
            required
          />
          <PasswordInput
            label="New password"
            description="At least 10 characters"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
            error={newError}
            required
          />
          <PasswordInput
            label="Repeat the new password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={mismatch ? 'The two new passwords differ' : undefined}
            required
          />
          {error && !currentError && !newError ? (
            <Alert color={TONE.danger} role="alert">
              {error.message}
            </Alert>
          ) : null}
          <Group>
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
          </Group>
          <Text size="sm" c="dimmed">
            Your other sessions are signed out; this one stays. API tokens keep working.
          </Text>
        </Stack>
      </form>
    </Card>
  );
}

const EXPIRY_CHOICES = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '180', label: '180 days' },
  { value: '366', label: '1 year' },
];

function tokenState(token: Token): { label: string; color: string } {
  if (token.revokedAt) return { label: 'Revoked', color: TONE.muted };
  if (token.expiresAt <= new Date().toISOString()) return { label: 'Expired', color: TONE.warn };
  return { label: 'Active', color: TONE.ok };
}

function ApiTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.auth.tokens.list.queryOptions());
  const [name, setName] = useState('');
  const [days, setDays] = useState<string | null>('90');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.auth.tokens.list.queryKey() });
  const create = useMutation(
    trpc.auth.tokens.create.mutationOptions({
      onSuccess: (result) => {
        setCreated({ name: result.record.name, token: result.token });
        setName('');
        void refresh();
      },
    }),
  );
  const revoke = useMutation(
    trpc.auth.tokens.revoke.mutationOptions({
      onSuccess: (token) => {
        notifyDone(`Token "${token.name}" revoked`);
        void refresh();
      },
      onError: (error) => notifyError('Could not revoke the token', error),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, expiresInDays: Number(days ?? '90') });
  };
  const confirmRevoke = (token: Token) =>
    modals.openConfirmModal({
      title: `Revoke "${token.name}"?`,
      children: (
        <Text size="sm">
          Programs using this token stop working at once. This cannot be undone.
        </Text>
      ),
      labels: { confirm: 'Revoke', cancel: 'Cancel' },
      confirmProps: { color: TONE.danger },
      onConfirm: () => revoke.mutate({ id: token.id }),
    });
  const nameError = fieldError(create.error, 'name', 'The name');
  return (
    <Card withBorder component="section" aria-labelledby="tokens-heading">
      <Title order={2} size="h3" id="tokens-heading" mb="xs">
        API tokens
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        For programs that call the API: send <Code>Authorization: Bearer &lt;token&gt;</Code>. A
        token acts as you, with your role.
      </Text>
      <form onSubmit={submit} noValidate>
        <Group align="flex-start" gap="sm" wrap="wrap">
          <TextInput
            label="Token name"
            placeholder="e.g. render farm"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={nameError}
            maw={280}
            w="100%"
          />
          <Select
            label="Expires after"
            data={EXPIRY_CHOICES}
            value={days}
            onChange={setDays}
            allowDeselect={false}
            w={160}
          />
          <Button type="submit" mt={25} loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </form>
      {create.error && !nameError ? (
        <Alert color={TONE.danger} role="alert" mt="sm">
          {create.error.message}
        </Alert>
      ) : null}
      {created ? (
        <Alert
          color={TONE.ok}
          mt="sm"
          title={`Token "${created.name}" created`}
          withCloseButton
          closeButtonLabel="Hide the token"
          onClose={() => setCreated(null)}
        >
          <Text size="sm" mb="xs">
            Copy it now: it is shown only this once.
          </Text>
          <Group gap="xs" wrap="nowrap" align="center">
            <Code data-testid="new-token" style={{ wordBreak: 'break-all' }}>
              {created.token}
            </Code>
            <CopyButton value={created.token}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      ) : null}
      <QueryState isPending={tokens.isPending} error={tokens.error} label="your tokens">
        {tokens.data?.length ? (
          <Table.ScrollContainer minWidth={640} mt="md">
            <Table striped aria-label="Your API tokens">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Starts with</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>
                    <span className="visually-hidden">Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {tokens.data.map((token) => {
                  const state = tokenState(token);
                  return (
                    <Table.Tr key={token.id}>
                      <Table.Td>{token.name}</Table.Td>
                      <Table.Td>
                        <Code>{token.tokenPrefix}…</Code>
                      </Table.Td>
                      <Table.Td>{formatTimestamp(token.createdAt)}</Table.Td>
                      <Table.Td>{formatTimestamp(token.expiresAt)}</Table.Td>
                      <Table.Td>
                        {token.lastUsedAt ? formatTimestamp(token.lastUsedAt) : 'Never'}
                      </Table.Td>
                      <Table.Td>
                        <Badge color={state.color} variant="filled">
                          {state.label}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {state.label === 'Active' ? (
                          <Button
                            size="xs"
                            variant="subtle"
                            color={TONE.danger}
                            onClick={() => confirmRevoke(token)}
                            aria-label={`Revoke token ${token.name}`}
                          >
                            Revoke
                          </Button>
                        ) : null}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : (
          <Text size="sm" c="dimmed" mt="md">
            You have no API tokens.
          </Text>
        )}
      </QueryState>
    </Card>
  );
}

function Sessions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.auth.sessions.queryOptions());
  const signOut = useMutation(
    trpc.auth.signOutOthers.mutationOptions({
      onSuccess: (result) => {
        notifyDone(
          `${result.endedSessions} other session${result.endedSessions === 1 ? '' : 's'} signed out`,
        );
        void queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.queryKey() });
      },
      onError: (error) => notifyError('Could not sign out the other sessions', error),
    }),
  );
  const others = sessions.data?.filter((s) => !s.current).length ?? 0;
  return (
    <Card withBorder component="section" aria-labelledby="sessions-heading">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={2} size="h3" id="sessions-heading">
          Sessions
        </Title>
        <Button
          variant="light"
          color={TONE.danger}
          disabled={others === 0}
          loading={signOut.isPending}
          onClick={() => signOut.mutate()}
        >
          Sign out other sessions
        </Button>
      </Group>
      <QueryState isPending={sessions.isPending} error={sessions.error} label="your sessions">
        <Table.ScrollContainer minWidth={560}>
          <Table striped aria-label="Your sessions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Browser</Table.Th>
                <Table.Th>Signed in</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th>Expires</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.data?.map((session) => (
                <Table.Tr key={session.id}>
                  <Table.Td>
                    <Text size="sm" lineClamp={2} style={{ wordBreak: 'break-word' }}>
                      {session.userAgent ?? 'Unknown'}
                    </Text>
                    {session.current ? (
                      <Badge variant="filled" color={TONE.info}>
                        This session
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>{formatTimestamp(session.createdAt)}</Table.Td>
                  <Table.Td>{formatTimestamp(session.lastSeenAt)}</Table.Td>
                  <Table.Td>{formatTimestamp(session.expiresAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </QueryState>
    </Card>
  );
}
