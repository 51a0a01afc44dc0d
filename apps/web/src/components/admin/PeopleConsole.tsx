'use client';

import type { RouterOutputs } from '@aura/api/client';
import type { UserRole } from '@aura/db';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Menu,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { usePrincipal } from '@/components/shell/principal';
import { formatTimestamp } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import { fieldError, notifyDone, notifyError, QueryState, TONE } from './feedback';

export type PersonRow = RouterOutputs['users']['list'][number];

const ROLES: { value: UserRole; label: string }[] = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'editor', label: 'Editor' },
  { value: 'admin', label: 'Admin' },
];

/** A generated password, shown once with a copy button. */
function OneTimePassword({ email, password }: { email: string; password: string }) {
  return (
    <Stack gap="xs">
      <Text size="sm">
        The password of <strong>{email}</strong> is shown only this once. Hand it over safely; they
        can change it under My account.
      </Text>
      <Group gap="xs" wrap="nowrap">
        <Code data-testid="one-time-password" style={{ wordBreak: 'break-all' }}>
          {password}
        </Code>
        <CopyButton value={password}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

/** People: every user with role and status; create, change role, deactivate, reset password. */
export function PeopleConsole({ rowActions }: { rowActions?: (user: PersonRow) => ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = usePrincipal();
  const users = useQuery(trpc.users.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<{ email: string; password: string; title: string } | null>(
    null,
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const update = useMutation(
    trpc.users.update.mutationOptions({
      onSuccess: (user, input) => {
        notifyDone(
          input.isActive === false
            ? `${user.email} is deactivated and signed out`
            : input.isActive === true
              ? `${user.email} is active again`
              : `${user.email} is now ${user.role}`,
        );
        void refresh();
      },
      onError: (error) => {
        notifyError('Could not change the user', error);
        void refresh();
      },
    }),
  );
  const reset = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: (result) => {
        setShown({
          email: result.user.email,
          password: result.password,
          title: 'New password',
        });
        void refresh();
      },
      onError: (error) => notifyError('Could not reset the password', error),
    }),
  );

  const confirmReset = (user: PersonRow) =>
    modals.openConfirmModal({
      title: `Reset the password of ${user.email}?`,
      children: (
        <Text size="sm">
          A new password is generated and shown once; their current password stops working and every
          session of theirs is signed out.
        </Text>
      ),
      labels: { confirm: 'Reset password', cancel: 'Cancel' },
      confirmProps: { color: TONE.danger },
      onConfirm: () => reset.mutate({ id: user.id }),
    });
  const confirmActive = (user: PersonRow, isActive: boolean) =>
    modals.openConfirmModal({
      title: isActive ? `Reactivate ${user.email}?` : `Deactivate ${user.email}?`,
      children: (
        <Text size="sm">
          {isActive
            ? 'They can sign in again with their password and use their tokens.'
            : 'They are signed out at once and can no longer sign in or use their API tokens. Their work stays.'}
        </Text>
      ),
      labels: { confirm: isActive ? 'Reactivate' : 'Deactivate', cancel: 'Cancel' },
      confirmProps: { color: isActive ? TONE.info : TONE.danger },
      onConfirm: () => update.mutate({ id: user.id, rowVersion: user.rowVersion, isActive }),
    });

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          {users.data ? `${users.data.length} users` : ''}
        </Text>
        <Button onClick={() => setCreating(true)}>Add a user</Button>
      </Group>
      <Card withBorder p={0}>
        <QueryState isPending={users.isPending} error={users.error} label="the users">
          <Table.ScrollContainer minWidth={760}>
            <Table striped highlightOnHover aria-label="Users">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last sign-in</Table.Th>
                  <Table.Th>
                    <span className="visually-hidden">Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data?.map((user) => (
                  <Table.Tr key={user.id} data-testid={`user-${user.email}`}>
                    <Table.Td>
                      {user.displayName}
                      {user.id === me.id ? (
                        <Badge ml="xs" variant="filled" size="sm">
                          You
                        </Badge>
                      ) : null}
                    </Table.Td>
                    <Table.Td style={{ wordBreak: 'break-all' }}>{user.email}</Table.Td>
                    <Table.Td>
                      <Select
                        aria-label={`Role of ${user.email}`}
                        data={ROLES}
                        value={user.role}
                        allowDeselect={false}
                        w={120}
                        size="xs"
                        disabled={update.isPending}
                        onChange={(role) => {
                          if (role && role !== user.role)
                            update.mutate({
                              id: user.id,
                              rowVersion: user.rowVersion,
                              role: role as UserRole,
                            });
                        }}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Badge color={user.isActive ? TONE.ok : TONE.muted} variant="filled">
                        {user.isActive ? 'Active' : 'Deactivated'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {user.lastLoginAt ? formatTimestamp(user.lastLoginAt) : 'Never'}
                    </Table.Td>
                    <Table.Td>
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <ActionIcon variant="subtle" aria-label={`Actions for ${user.email}`}>
                            <span aria-hidden="true">⋯</span>
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item
                            disabled={user.id === me.id}
                            onClick={() => confirmReset(user)}
                          >
                            Reset password
                          </Menu.Item>
                          {user.isActive ? (
                            <Menu.Item
                              color={TONE.danger}
                              disabled={user.id === me.id}
                              onClick={() => confirmActive(user, false)}
                            >
                              Deactivate
                            </Menu.Item>
                          ) : (
                            <Menu.Item onClick={() => confirmActive(user, true)}>
                              Reactivate
                            </Menu.Item>
                          )}
                          {/* Further per-user actions (e.g. forgetting a user) mount here. */}
                          {rowActions?.(user)}
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </QueryState>
      </Card>
      <CreateUser
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(email, password) => {
          setCreating(false);
          setShown({ email, password, title: 'User created' });
          void refresh();
        }}
      />
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={shown !== null}
        onClose={() => setShown(null)}
        title={shown?.title}
      >
        {shown ? <OneTimePassword email={shown.email} password={shown.password} /> : null}
        <Group justify="flex-end" mt="md">
          <Button onClick={() => setShown(null)}>Done</Button>
        </Group>
      </Modal>
    </Stack>
  );
}

function CreateUser({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (email: string, password: string) => void;
}) {
  const trpc = useTRPC();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<string | null>('editor');
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: (result) => {
        setEmail('');
        setDisplayName('');
        onCreated(result.user.email, result.password);
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      email,
      displayName: displayName.trim() || undefined,
      role: (role ?? 'viewer') as UserRole,
    });
  };
  const emailError = fieldError(create.error, 'email', 'The email');
  return (
    <Modal
      closeButtonProps={{ 'aria-label': 'Close' }}
      opened={opened}
      onClose={onClose}
      title="Add a user"
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={emailError}
            required
            data-autofocus
          />
          <TextInput
            label="Display name"
            description="Defaults to the part of the email before the @"
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
          />
          <Select label="Role" data={ROLES} value={role} onChange={setRole} allowDeselect={false} />
          <Text size="sm" c="dimmed">
            A password is generated and shown once after the user is created.
          </Text>
          {create.error && !emailError ? (
            <Alert color={TONE.danger} role="alert">
              {create.error.message}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
