'use client';

import type { RouterOutputs } from '@aura/api/client';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  JsonInput,
  Modal,
  NumberInput,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { canEdit, isAdmin, usePrincipal } from '@/components/shell/principal';
import { formatTimestamp } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import { errorText, fieldError, notifyDone, notifyError, QueryState, TONE } from './feedback';
import { SETTINGS_PAGE_LIMIT } from './limits';

type Setting = RouterOutputs['config']['list']['items'][number];

/** Installation-wide categories (and key prefixes): only an admin changes them; the API checks. */
const INSTALLATION = ['Retention', 'Backup', 'System'];
function isInstallationSetting(setting: Pick<Setting, 'key' | 'category'>): boolean {
  return (
    INSTALLATION.includes(setting.category) ||
    INSTALLATION.some((name) => setting.key.startsWith(`${name}.`))
  );
}

/** Settings by category, with the system settings (FFmpeg, output directory) first. */
export function SettingsConsole() {
  const trpc = useTRPC();
  const categories = useQuery(trpc.config.categories.queryOptions());
  return (
    <Stack gap="lg">
      <SystemSection />
      <QueryState isPending={categories.isPending} error={categories.error} label="the settings">
        {categories.data?.length ? (
          categories.data.map((c) => <CategorySection key={c.category} category={c.category} />)
        ) : (
          <Text c="dimmed">No settings yet.</Text>
        )}
      </QueryState>
    </Stack>
  );
}

function CategorySection({ category }: { category: string }) {
  const trpc = useTRPC();
  const list = useQuery(
    trpc.config.list.queryOptions({ category, includeInactive: true, limit: SETTINGS_PAGE_LIMIT }),
  );
  const id = `category-${category.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <Card withBorder component="section" aria-labelledby={id}>
      <Title order={2} size="h3" id={id} mb="sm">
        {category}
      </Title>
      <QueryState isPending={list.isPending} error={list.error} label={`the ${category} settings`}>
        <Stack gap="md">
          {list.data?.items.map((setting) => (
            <SettingRow key={setting.key} setting={setting} />
          ))}
          {list.data?.nextCursor ? (
            <Text size="sm" c="dimmed">
              Showing the first {SETTINGS_PAGE_LIMIT} keys of this category.
            </Text>
          ) : null}
        </Stack>
      </QueryState>
    </Card>
  );
}

/** The editor's text for a value of `type` (JSON pretty-printed). */
function draftOf(setting: Setting): unknown {
  if (setting.redacted) return setting.valueType === 'boolean' ? false : '';
  if (setting.valueType === 'json') return JSON.stringify(setting.value, null, 2);
  return setting.value;
}

function SettingRow({ setting }: { setting: Setting }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = usePrincipal();
  const mayWrite = canEdit(me.role) && (isAdmin(me.role) || !isInstallationSetting(setting));
  const [draft, setDraft] = useState<unknown>(() => draftOf(setting));
  const [localError, setLocalError] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<unknown>(undefined);
  const [historyOpen, setHistoryOpen] = useState(false);
  const inputId = `setting-${setting.key}`;
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.config.pathKey() });
  const save = useMutation(
    trpc.config.set.mutationOptions({
      onSuccess: (saved) => {
        notifyDone(`Saved "${saved.key}"`);
        setDraft(draftOf(saved));
        void refresh();
      },
    }),
  );
  const deactivate = useMutation(
    trpc.config.deactivate.mutationOptions({
      onSuccess: (saved) => {
        notifyDone(`"${saved.key}" is inactive`);
        void refresh();
      },
      onError: (error) => notifyError(`Could not deactivate "${setting.key}"`, error),
    }),
  );
  const reveal = useMutation(
    trpc.config.reveal.mutationOptions({
      onSuccess: (result) => {
        setRevealed(result.value);
        void refresh();
      },
      onError: (error) => notifyError(`Could not reveal "${setting.key}"`, error),
    }),
  );

  const submit = () => {
    setLocalError(null);
    let value: unknown = draft;
    if (setting.valueType === 'json') {
      try {
        value = JSON.parse(typeof draft === 'string' ? draft : '');
      } catch {
        setLocalError('Enter valid JSON');
        return;
      }
    }
    if (setting.valueType === 'number' && (draft === '' || typeof draft !== 'number')) {
      setLocalError('Enter a number');
      return;
    }
    save.mutate({ key: setting.key, value, rowVersion: setting.rowVersion });
  };
  const valueError = localError ?? fieldError(save.error, 'value', 'The value') ?? undefined;
  const otherError = save.error && !valueError ? errorText(save.error) : null;
  const label = setting.key;
  const description = setting.description ?? undefined;

  let editor;
  if (setting.valueType === 'boolean') {
    editor = (
      <Switch
        id={inputId}
        label={label}
        description={description}
        checked={draft === true}
        onChange={(e) => setDraft(e.currentTarget.checked)}
        disabled={!mayWrite}
        error={valueError}
      />
    );
  } else if (setting.valueType === 'number') {
    editor = (
      <NumberInput
        id={inputId}
        label={label}
        description={description}
        value={typeof draft === 'number' ? draft : ''}
        onChange={(v) => setDraft(typeof v === 'number' ? v : '')}
        readOnly={!mayWrite}
        error={valueError}
        maw={260}
      />
    );
  } else if (setting.valueType === 'json') {
    editor = (
      <JsonInput
        id={inputId}
        label={label}
        description={description}
        value={typeof draft === 'string' ? draft : ''}
        onChange={setDraft}
        validationError="Enter valid JSON"
        autosize
        minRows={3}
        maxRows={12}
        readOnly={!mayWrite}
        error={valueError}
      />
    );
  } else {
    editor = (
      <TextInput
        id={inputId}
        label={label}
        description={description}
        value={typeof draft === 'string' ? draft : ''}
        placeholder={setting.redacted ? 'Hidden: type a new value to replace it' : undefined}
        onChange={(e) => setDraft(e.currentTarget.value)}
        readOnly={!mayWrite}
        error={valueError}
        maw={520}
        autoComplete="off"
      />
    );
  }

  return (
    <div data-testid={`setting-${setting.key}`}>
      <Group gap="xs" mb={4} wrap="wrap">
        <Badge variant="filled" color={TONE.muted} size="sm">
          {setting.valueType}
        </Badge>
        <Badge variant="filled" color={setting.isActive ? TONE.ok : TONE.muted} size="sm">
          {setting.isActive ? 'Active' : 'Inactive'}
        </Badge>
        {setting.isSensitive ? (
          <Badge variant="filled" color={TONE.warn} size="sm">
            Sensitive
          </Badge>
        ) : null}
        {isInstallationSetting(setting) ? (
          <Badge variant="filled" color={TONE.info} size="sm">
            Admins only
          </Badge>
        ) : null}
      </Group>
      {editor}
      {setting.redacted ? (
        <Group gap="xs" mt={4}>
          {revealed !== undefined ? (
            <Code data-testid={`revealed-${setting.key}`}>{JSON.stringify(revealed)}</Code>
          ) : (
            <Text size="sm" c="dimmed">
              The stored value is hidden.
            </Text>
          )}
          {isAdmin(me.role) && revealed === undefined ? (
            <Button
              size="xs"
              variant="subtle"
              onClick={() => reveal.mutate({ key: setting.key })}
              loading={reveal.isPending}
              aria-label={`Reveal ${setting.key}`}
            >
              Reveal
            </Button>
          ) : null}
          {isAdmin(me.role) ? (
            <Text size="xs" c="dimmed">
              Revealing is recorded in the key&apos;s history.
            </Text>
          ) : null}
        </Group>
      ) : null}
      {otherError ? (
        <Text size="sm" c={TONE.danger} role="alert" mt={4}>
          {otherError}
        </Text>
      ) : null}
      <Group gap="xs" mt="xs">
        {mayWrite ? (
          <Button
            size="xs"
            onClick={submit}
            loading={save.isPending}
            aria-label={`Save ${setting.key}`}
          >
            {setting.isActive ? 'Save' : 'Save and reactivate'}
          </Button>
        ) : null}
        {mayWrite && setting.isActive ? (
          <Button
            size="xs"
            variant="subtle"
            color={TONE.danger}
            loading={deactivate.isPending}
            aria-label={`Deactivate ${setting.key}`}
            onClick={() =>
              modals.openConfirmModal({
                title: `Deactivate "${setting.key}"?`,
                children: (
                  <Text size="sm">
                    The key is kept but ignored until it is saved again. This can be undone.
                  </Text>
                ),
                labels: { confirm: 'Deactivate', cancel: 'Cancel' },
                confirmProps: { color: TONE.danger },
                onConfirm: () =>
                  deactivate.mutate({ key: setting.key, rowVersion: setting.rowVersion }),
              })
            }
          >
            Deactivate
          </Button>
        ) : null}
        <Button
          size="xs"
          variant="subtle"
          onClick={() => setHistoryOpen(true)}
          aria-label={`History of ${setting.key}`}
        >
          History
        </Button>
        <Text size="xs" c="dimmed">
          Version {setting.version} · changed {formatTimestamp(setting.updatedAt)}
        </Text>
      </Group>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={historyOpen}
        onClose={() => setHistoryOpen(false)}
        title={`History of ${setting.key}`}
        size="lg"
      >
        {historyOpen ? <KeyHistory settingKey={setting.key} /> : null}
      </Modal>
    </div>
  );
}

function KeyHistory({ settingKey }: { settingKey: string }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.config.history.queryOptions({ key: settingKey, limit: 50 }));
  return (
    <QueryState isPending={history.isPending} error={history.error} label="the history">
      {history.data?.items.length ? (
        <Table.ScrollContainer minWidth={480}>
          <Table aria-label={`History of ${settingKey}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>What</Table.Th>
                <Table.Th>Value</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {history.data.items.map((item) => (
                <Table.Tr key={item.id}>
                  <Table.Td>{formatTimestamp(item.timestamp)}</Table.Td>
                  <Table.Td>{item.userName ?? 'A removed user'}</Table.Td>
                  <Table.Td>
                    {item.description}
                    {item.status === 'Undone' ? (
                      <Badge ml="xs" size="sm" color={TONE.muted} variant="filled">
                        Undone
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {item.valueRedacted ? (
                      <Text size="sm" c="dimmed">
                        hidden
                      </Text>
                    ) : item.value !== null && item.value !== undefined ? (
                      <Code>{JSON.stringify(item.value)}</Code>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : (
        <Text size="sm" c="dimmed">
          Nothing in the action log for this key (it keeps each user&apos;s recent actions only).
        </Text>
      )}
    </QueryState>
  );
}

/** FFmpeg path with a Test button, the output directory, and the setup status (admin edits). */
function SystemSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = usePrincipal();
  const admin = isAdmin(me.role);
  const system = useQuery(trpc.system.get.queryOptions());
  const [ffmpegPath, setFfmpegPath] = useState<string | null>(null);
  const [outputDirectory, setOutputDirectory] = useState<string | null>(null);
  const test = useMutation(trpc.system.testFfmpeg.mutationOptions());
  const update = useMutation(
    trpc.system.update.mutationOptions({
      onSuccess: () => {
        notifyDone('System settings saved');
        setFfmpegPath(null);
        setOutputDirectory(null);
        void queryClient.invalidateQueries({ queryKey: trpc.system.get.queryKey() });
      },
    }),
  );
  const row = system.data;
  const ffmpegValue = ffmpegPath ?? row?.ffmpegPath ?? '';
  const outputValue = outputDirectory ?? row?.outputDirectory ?? '';
  const ffmpegError =
    fieldError(update.error, 'ffmpegPath', 'The FFmpeg path') ??
    fieldError(test.error, 'ffmpegPath', 'The FFmpeg path');
  const outputError = fieldError(update.error, 'outputDirectory', 'The output directory');
  const otherError = update.error && !ffmpegError && !outputError ? errorText(update.error) : null;
  return (
    <Card withBorder component="section" aria-labelledby="system-heading">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={2} size="h3" id="system-heading">
          System
        </Title>
        {row ? (
          <Group gap="xs">
            <Text size="sm">Setup:</Text>
            <Badge color={row.isSetupComplete ? TONE.ok : TONE.warn} variant="filled">
              {row.isSetupComplete ? 'Complete' : 'Not complete'}
            </Badge>
            {!row.isSetupComplete ? (
              <Anchor component={Link} href="/setup" size="sm">
                Finish the setup
              </Anchor>
            ) : null}
          </Group>
        ) : null}
      </Group>
      {!admin ? (
        <Text size="sm" c="dimmed" mb="sm">
          Only an admin can change the system settings.
        </Text>
      ) : null}
      <QueryState isPending={system.isPending} error={system.error} label="the system settings">
        <Stack gap="sm">
          <Group align="flex-end" gap="xs" wrap="wrap">
            <TextInput
              label="FFmpeg path"
              description="Absolute path of the ffmpeg executable; empty: ffmpeg on the server's PATH"
              value={ffmpegValue}
              onChange={(e) => setFfmpegPath(e.currentTarget.value)}
              error={ffmpegError}
              readOnly={!admin}
              style={{ flex: '1 1 320px' }}
              maw={560}
            />
            {admin ? (
              <Button
                variant="light"
                loading={test.isPending}
                onClick={() => test.mutate({ ffmpegPath: ffmpegValue.trim() || null })}
              >
                Test
              </Button>
            ) : null}
          </Group>
          {test.data ? (
            <Alert
              color={test.data.ok ? TONE.ok : TONE.danger}
              title={test.data.ok ? 'FFmpeg works' : 'Not a working FFmpeg'}
              data-testid="ffmpeg-test-result"
            >
              <Text size="sm" style={{ wordBreak: 'break-all' }}>
                <Code>{test.data.path}</Code> ({test.data.durationMs} ms)
              </Text>
              <Text size="sm" style={{ wordBreak: 'break-word' }}>
                {test.data.version ?? ''} {test.data.error ?? ''}
              </Text>
            </Alert>
          ) : null}
          {test.error && !ffmpegError ? (
            <Alert color={TONE.danger} role="alert">
              {errorText(test.error)}
            </Alert>
          ) : null}
          <TextInput
            label="Output directory"
            description="Where exports are written: an absolute folder, created if missing, outside the data directory's own files"
            value={outputValue}
            onChange={(e) => setOutputDirectory(e.currentTarget.value)}
            error={outputError}
            readOnly={!admin}
            maw={560}
          />
          {otherError ? (
            <Text size="sm" c={TONE.danger} role="alert">
              {otherError}
            </Text>
          ) : null}
          {admin && row ? (
            <Group>
              <Button
                loading={update.isPending}
                disabled={ffmpegPath === null && outputDirectory === null}
                onClick={() =>
                  update.mutate({
                    rowVersion: row.rowVersion,
                    ...(ffmpegPath !== null && { ffmpegPath: ffmpegPath.trim() || null }),
                    ...(outputDirectory !== null && { outputDirectory }),
                  })
                }
              >
                Save system settings
              </Button>
            </Group>
          ) : null}
        </Stack>
      </QueryState>
    </Card>
  );
}
