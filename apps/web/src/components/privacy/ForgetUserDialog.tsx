'use client';

import {
  Alert,
  Button,
  Card,
  Group,
  List,
  Loader,
  Modal,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { errorText, fieldError, notifyDone, type ApiError } from '@/components/admin/feedback';
import { isAdmin, usePrincipal } from '@/components/shell/principal';
import { useTRPC } from '@/trpc/react';

export interface ForgettableUser {
  id: string;
  email: string;
  displayName: string;
}

interface Summary {
  projects: { id: string; title: string }[];
  customTemplates: { id: string; name: string }[];
  projectsDeleted: number;
  projectsTransferred: number;
  scenesDeleted: number;
  assetsDeleted: number;
  versionsDeleted: number;
  customTemplatesDeleted: number;
  customTemplatesTransferred: number;
  blobsRemoved: number;
  actionLogEntriesDeleted: number;
  otherUndoEntriesDeleted: number;
  ratingsAnonymized: number;
  sessionsDeleted: number;
  apiTokensDeleted: number;
  rowsAnonymized: number;
}

const DELETE = 'delete';
/** A light red alert's title in the default red is under 4.5:1: the darkest red is not. */
const DARK_TITLE = { title: { color: 'var(--mantine-color-red-9)' } };

function previewLines(s: Summary, transferred: boolean): string[] {
  const line = (n: number, what: string) => (n > 0 ? [`${n} ${what}`] : []);
  return [
    ...(transferred
      ? [
          ...line(s.projectsTransferred, 'project(s) transferred'),
          ...line(s.customTemplatesTransferred, 'custom template(s) transferred'),
        ]
      : [
          ...line(s.projectsDeleted, 'project(s) deleted for good'),
          ...line(s.scenesDeleted, 'scene(s)'),
          ...line(s.assetsDeleted, 'asset record(s)'),
          ...line(s.versionsDeleted, 'version(s)'),
          ...line(s.customTemplatesDeleted, 'custom template(s) deleted'),
        ]),
    ...line(s.blobsRemoved, 'stored content blob(s) removed'),
    ...line(s.actionLogEntriesDeleted, 'entries of their undo history'),
    ...line(s.otherUndoEntriesDeleted, "other users' undo entries about deleted content"),
    ...line(s.ratingsAnonymized, 'rating(s) kept without their name'),
    ...line(s.sessionsDeleted, 'sign-in session(s) ended'),
    ...line(s.apiTokensDeleted, 'API token(s) deleted'),
    ...line(s.rowsAnonymized, 'other record(s) where their name is replaced by an anonymous id'),
  ];
}

/**
 * Forgetting a user (admins; issue 13): a preview of exactly what goes (users.forget with
 * dryRun), the choice to transfer their projects and templates to someone else instead of
 * deleting them, and the user's email typed again to confirm. It cannot be undone.
 */
export function ForgetUserDialog({
  user,
  opened,
  onClose,
}: {
  user: ForgettableUser | null;
  opened: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery({ ...trpc.users.list.queryOptions(), enabled: opened });
  const [target, setTarget] = useState<string>(DELETE);
  const [confirmation, setConfirmation] = useState('');
  const preview = useMutation(trpc.users.forget.mutationOptions());
  const forget = useMutation(trpc.users.forget.mutationOptions());
  const transferTo = target === DELETE ? undefined : target;

  const { mutate: runPreview, reset: resetPreview } = preview;
  useEffect(() => {
    if (!opened || !user) return;
    runPreview({ userId: user.id, transferTo, dryRun: true });
  }, [opened, user, transferTo, runPreview]);

  const close = () => {
    setTarget(DELETE);
    setConfirmation('');
    resetPreview();
    forget.reset();
    onClose();
  };

  if (!user) return null;
  const matches = confirmation.trim().toLowerCase() === user.email;
  const summary = preview.data?.summary;
  const forgetError = forget.error as ApiError | null;

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={`Forget ${user.displayName}`}
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack gap="md">
        <Alert color="red" title="This cannot be undone" styles={DARK_TITLE}>
          {user.displayName} ({user.email}) is removed from this installation for good: their
          account, sign-ins and tokens, their undo history, and their name on everything that stays.
          Backups taken before now still hold them until they expire; a restore of one erases them
          again.
        </Alert>
        <Select
          label="Their projects and custom templates"
          data={[
            { value: DELETE, label: 'Delete them' },
            ...(users.data ?? [])
              .filter((u) => u.id !== user.id && u.isActive)
              .map((u) => ({ value: u.id, label: `Transfer to ${u.displayName} (${u.email})` })),
          ]}
          value={target}
          onChange={(value) => setTarget(value ?? DELETE)}
          allowDeselect={false}
          data-testid="forget-transfer"
        />
        <div aria-live="polite">
          {preview.isPending && (
            <Group gap="xs">
              <Loader size="xs" />
              <Text size="sm">Working out what goes…</Text>
            </Group>
          )}
          {preview.error && (
            <Alert color="red" role="alert">
              {errorText(preview.error)}
            </Alert>
          )}
          {summary && (
            <Stack gap="xs" data-testid="forget-preview">
              <Text fw={600}>What goes</Text>
              <List size="sm">
                {previewLines(summary, Boolean(transferTo)).map((line) => (
                  <List.Item key={line}>{line}</List.Item>
                ))}
              </List>
              {summary.projects.length > 0 && (
                <Text size="sm" c="dimmed" style={{ wordBreak: 'break-word' }}>
                  Projects: {summary.projects.map((p) => p.title).join(', ')}
                </Text>
              )}
            </Stack>
          )}
        </div>
        <TextInput
          label={`Type ${user.email} to confirm`}
          value={confirmation}
          onChange={(event) => setConfirmation(event.currentTarget.value)}
          autoComplete="off"
          error={fieldError(forgetError, 'confirmation', 'The confirmation')}
          data-testid="forget-confirmation"
        />
        {forgetError && !fieldError(forgetError, 'confirmation', '') && (
          <Alert color="red" role="alert">
            {errorText(forgetError)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            color="red.9"
            disabled={!matches || !summary}
            loading={forget.isPending}
            onClick={() =>
              forget.mutate(
                { userId: user.id, transferTo, confirmation },
                {
                  onSuccess: (result) => {
                    notifyDone(`${user.displayName} was forgotten.`);
                    if (result.compacted?.walTruncated === false)
                      notifications.show({
                        color: 'yellow',
                        title: 'Write-ahead log not truncated yet',
                        message:
                          'Another process was reading the database, so its write-ahead log may still hold old pages until its next checkpoint. Restart the web server and worker to force it.',
                      });
                    void queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
                    close();
                  },
                },
              )
            }
          >
            Forget {user.displayName}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The People page's entry to the dialog: choose a user, then see what goes. Admins only. */
export function ForgetUserSection() {
  const me = usePrincipal();
  const trpc = useTRPC();
  const users = useQuery({ ...trpc.users.list.queryOptions(), enabled: isAdmin(me.role) });
  const [chosen, setChosen] = useState<string | null>(null);
  const [opened, setOpened] = useState(false);
  if (!isAdmin(me.role)) return null;
  const candidates = (users.data ?? []).filter((u) => u.id !== me.id);
  const user = candidates.find((u) => u.id === chosen) ?? null;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="forget-a-user">
      <Stack gap="sm">
        <Title order={2} size="h3" id="forget-a-user">
          Forget a user
        </Title>
        <Text size="sm" c="dimmed">
          Erases a person from this installation on their request: their content is deleted (or
          transferred to someone else), and their identity removed from everything that stays.
        </Text>
        <Group align="flex-end">
          <Select
            label="User"
            placeholder="Choose a user"
            data={candidates.map((u) => ({ value: u.id, label: `${u.displayName} (${u.email})` }))}
            value={chosen}
            onChange={setChosen}
            searchable
            style={{ flex: '1 1 240px' }}
            data-testid="forget-user-select"
          />
          <Button color="red.9" disabled={!user} onClick={() => setOpened(true)}>
            Forget…
          </Button>
        </Group>
      </Stack>
      <ForgetUserDialog
        user={user}
        opened={opened}
        onClose={() => {
          setOpened(false);
          setChosen(null);
        }}
      />
    </Card>
  );
}
