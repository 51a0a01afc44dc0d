'use client';

import type { RouterInputs, RouterOutputs } from '@aura/api/client';
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  JsonInput,
  Modal,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useQueryState } from 'nuqs';
import { useState, type FormEvent } from 'react';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { formatTimestamp } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import {
  errorText,
  fieldError,
  JsonBlock,
  notifyDone,
  notifyError,
  QueryState,
  TONE,
} from './feedback';
import { TEMPLATES_PAGE_LIMIT } from './limits';
import { CreateProjectForm } from './TemplatesGallery';

type CustomItem = RouterOutputs['customTemplates']['list']['items'][number];
type CustomView = RouterOutputs['customTemplates']['get'];
type CreateInput = RouterInputs['customTemplates']['create'];

const SECTIONS = [
  {
    name: 'scriptStructure',
    label: 'Script structure',
    example: { sections: [{ name: 'Hook', durationSeconds: 15 }], pacing: 'medium' },
  },
  {
    name: 'videoStructure',
    label: 'Video structure',
    example: {
      aspectRatio: '16:9',
      resolution: { width: 1920, height: 1080 },
      fps: 30,
      transitions: { type: 'fade', durationSeconds: 0.5 },
    },
  },
  {
    name: 'llmPipeline',
    label: 'LLM pipeline',
    example: {
      provider: 'openai',
      model: 'gpt-4o',
      temperature: 0.7,
      steps: [{ name: 'Script', kind: 'script' }],
    },
  },
  {
    name: 'visualPreferences',
    label: 'Visual preferences',
    example: { style: 'clean', palette: ['#1a2b3c'], fonts: { heading: 'Inter', body: 'Inter' } },
  },
] as const;
type SectionName = (typeof SECTIONS)[number]['name'];

/** Custom templates: list, create, edit, default, trash, and a project from one. */
export function CustomTemplates() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = usePrincipal();
  const editor = canEdit(me.role);
  const list = useQuery(trpc.customTemplates.list.queryOptions({ limit: TEMPLATES_PAGE_LIMIT }));
  const [openId, setOpenId] = useQueryState('custom');
  const [editing, setEditing] = useState<CustomView | 'new' | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.customTemplates.pathKey() });
  const setDefault = useMutation(
    trpc.customTemplates.update.mutationOptions({
      onSuccess: (view) => {
        notifyDone(`"${view.name}" is the default of ${view.category}`);
        void refresh();
      },
      onError: (error) => notifyError('Could not set the default', error),
    }),
  );
  const trash = useMutation(
    trpc.customTemplates.softDelete.mutationOptions({
      onSuccess: (view) => {
        notifyDone(`"${view.name}" moved to the trash`);
        void setOpenId(null);
        void refresh();
      },
      onError: (error) => notifyError('Could not delete the template', error),
    }),
  );
  const confirmTrash = (item: Pick<CustomItem, 'id' | 'name' | 'rowVersion'>) =>
    modals.openConfirmModal({
      title: `Move "${item.name}" to the trash?`,
      children: <Text size="sm">It can be restored from the trash, or undone.</Text>,
      labels: { confirm: 'Move to trash', cancel: 'Cancel' },
      confirmProps: { color: TONE.danger },
      onConfirm: () => trash.mutate({ id: item.id, rowVersion: item.rowVersion }),
    });

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Text size="sm" c="dimmed">
          Your installation&apos;s own templates: how the script, the video, the language model and
          the look are set up. One per category can be the default.
        </Text>
        {editor ? <Button onClick={() => setEditing('new')}>New custom template</Button> : null}
      </Group>
      <Card withBorder p={0}>
        <QueryState isPending={list.isPending} error={list.error} label="the custom templates">
          {list.data?.items.length ? (
            <Table.ScrollContainer minWidth={720}>
              <Table striped aria-label="Custom templates">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Category</Table.Th>
                    <Table.Th>Tags</Table.Th>
                    <Table.Th>Author</Table.Th>
                    <Table.Th>Updated</Table.Th>
                    <Table.Th>
                      <span className="visually-hidden">Actions</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.data.items.map((item) => (
                    <Table.Tr key={item.id}>
                      <Table.Td>
                        {item.name}
                        {item.isDefault ? (
                          <Badge ml="xs" size="sm" variant="filled">
                            Default
                          </Badge>
                        ) : null}
                      </Table.Td>
                      <Table.Td>{item.category}</Table.Td>
                      <Table.Td>{item.tags.join(', ')}</Table.Td>
                      <Table.Td>{item.author}</Table.Td>
                      <Table.Td>{formatTimestamp(item.updatedAt)}</Table.Td>
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <Button
                            size="xs"
                            variant="light"
                            onClick={() => void setOpenId(item.id)}
                            aria-label={`Open ${item.name}`}
                          >
                            Open
                          </Button>
                          {editor && !item.isDefault ? (
                            <Button
                              size="xs"
                              variant="subtle"
                              loading={setDefault.isPending}
                              onClick={() =>
                                setDefault.mutate({
                                  id: item.id,
                                  rowVersion: item.rowVersion,
                                  isDefault: true,
                                })
                              }
                              aria-label={`Make ${item.name} the default`}
                            >
                              Make default
                            </Button>
                          ) : null}
                          {editor ? (
                            <Button
                              size="xs"
                              variant="subtle"
                              color={TONE.danger}
                              onClick={() => confirmTrash(item)}
                              aria-label={`Delete ${item.name}`}
                            >
                              Delete
                            </Button>
                          ) : null}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ) : (
            <Text c="dimmed" p="md">
              No custom templates yet.
            </Text>
          )}
        </QueryState>
      </Card>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={openId !== null}
        onClose={() => void setOpenId(null)}
        title="Custom template"
        size="xl"
      >
        {openId ? (
          <CustomPreview
            id={openId}
            onEdit={(view) => {
              void setOpenId(null);
              setEditing(view);
            }}
            onTrash={confirmTrash}
          />
        ) : null}
      </Modal>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? 'New custom template' : 'Edit custom template'}
        size="xl"
      >
        {editing !== null ? (
          <CustomEditor
            initial={editing === 'new' ? null : editing}
            onDone={() => {
              setEditing(null);
              void refresh();
            }}
          />
        ) : null}
      </Modal>
    </Stack>
  );
}

function CustomPreview({
  id,
  onEdit,
  onTrash,
}: {
  id: string;
  onEdit: (view: CustomView) => void;
  onTrash: (view: CustomView) => void;
}) {
  const trpc = useTRPC();
  const me = usePrincipal();
  const detail = useQuery(trpc.customTemplates.get.queryOptions({ id }));
  const t = detail.data;
  return (
    <QueryState isPending={detail.isPending} error={detail.error} label="the custom template">
      {t ? (
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap">
            <Title order={2} size="h3">
              {t.name}
              {t.isDefault ? (
                <Badge ml="xs" variant="filled">
                  Default
                </Badge>
              ) : null}
            </Title>
            {canEdit(me.role) ? (
              <Group gap="xs">
                <Button variant="light" onClick={() => onEdit(t)}>
                  Edit
                </Button>
                <Button variant="subtle" color={TONE.danger} onClick={() => onTrash(t)}>
                  Delete
                </Button>
              </Group>
            ) : null}
          </Group>
          <Text size="sm" c="dimmed">
            {t.category} · by {t.author}
            {t.tags.length ? ` · ${t.tags.join(', ')}` : ''}
          </Text>
          {t.description ? <Text size="sm">{t.description}</Text> : null}
          {t.invalidSections.length ? (
            <Alert color={TONE.warn} title="Sections to fix">
              {t.invalidSections.join(', ')} no longer pass validation; edit them before using the
              template.
            </Alert>
          ) : null}
          {SECTIONS.map((section) => (
            <div key={section.name}>
              <Title order={3} size="h5" mb={4}>
                {section.label}
              </Title>
              {t[section.name] ? (
                <JsonBlock value={t[section.name]} label={section.label} maxHeight={200} />
              ) : (
                <Text size="sm" c="dimmed">
                  Not set
                </Text>
              )}
            </div>
          ))}
          {canEdit(me.role) ? (
            <CreateProjectForm
              source={{ kind: 'custom', id: t.id }}
              defaultTitle={`${t.name} project`}
            />
          ) : null}
        </Stack>
      ) : null}
    </QueryState>
  );
}

const pretty = (value: unknown) => (value ? JSON.stringify(value, null, 2) : '');

function CustomEditor({ initial, onDone }: { initial: CustomView | null; onDone: () => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState(initial?.name ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [category, setCategory] = useState(initial?.category ?? '');
  const [tags, setTags] = useState<string[]>(initial?.tags ?? []);
  const [isDefault, setIsDefault] = useState(initial?.isDefault ?? false);
  const [sections, setSections] = useState<Record<SectionName, string>>({
    scriptStructure: pretty(initial?.scriptStructure),
    videoStructure: pretty(initial?.videoStructure),
    llmPipeline: pretty(initial?.llmPipeline),
    visualPreferences: pretty(initial?.visualPreferences),
  });
  const [jsonErrors, setJsonErrors] = useState<Partial<Record<SectionName, string>>>({});
  const create = useMutation(
    trpc.customTemplates.create.mutationOptions({
      onSuccess: (view) => {
        notifyDone(`Custom template "${view.name}" created`);
        onDone();
      },
    }),
  );
  const update = useMutation(
    trpc.customTemplates.update.mutationOptions({
      onSuccess: (view) => {
        notifyDone(`Custom template "${view.name}" saved`);
        onDone();
      },
    }),
  );
  const error = create.error ?? update.error;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed: Partial<Record<SectionName, unknown>> = {};
    const problems: Partial<Record<SectionName, string>> = {};
    for (const section of SECTIONS) {
      const text = sections[section.name].trim();
      if (!text) {
        parsed[section.name] = null;
        continue;
      }
      try {
        parsed[section.name] = JSON.parse(text) as unknown;
      } catch {
        problems[section.name] = 'Not valid JSON';
      }
    }
    setJsonErrors(problems);
    if (Object.keys(problems).length > 0) return;
    // The server validates each section's shape and answers with the field that is wrong.
    const fields = {
      name,
      description,
      category,
      tags,
      isDefault,
      ...(parsed as Pick<CreateInput, SectionName>),
    };
    if (initial) update.mutate({ id: initial.id, rowVersion: initial.rowVersion, ...fields });
    else create.mutate(fields);
  };
  const fe = (field: string, label: string) => fieldError(error, field, label);
  const shownFieldErrors = [
    fe('name', 'The name'),
    fe('category', 'The category'),
    fe('description', 'The description'),
    fe('tags', 'The tags'),
    ...SECTIONS.map((s) => fe(s.name, s.label)),
  ].some(Boolean);
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fe('name', 'The name')}
          required
          data-autofocus
        />
        <TextInput
          label="Category"
          value={category}
          onChange={(e) => setCategory(e.currentTarget.value)}
          error={fe('category', 'The category')}
          required
        />
        <Textarea
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={fe('description', 'The description')}
          autosize
          minRows={2}
        />
        <TagsInput
          label="Tags"
          value={tags}
          onChange={setTags}
          error={fe('tags', 'The tags')}
          clearable
        />
        <Switch
          label="Default template of its category"
          checked={isDefault}
          onChange={(e) => setIsDefault(e.currentTarget.checked)}
        />
        {SECTIONS.map((section) => (
          <JsonInput
            key={section.name}
            label={section.label}
            description={`JSON, or empty to leave it out. For example: ${JSON.stringify(section.example)}`}
            value={sections[section.name]}
            onChange={(value) => setSections((s) => ({ ...s, [section.name]: value }))}
            validationError="Not valid JSON"
            autosize
            minRows={3}
            maxRows={14}
            error={jsonErrors[section.name] ?? fe(section.name, section.label)}
          />
        ))}
        {error && !shownFieldErrors ? (
          <Alert color={TONE.danger} role="alert">
            {errorText(error)}
          </Alert>
        ) : null}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending || update.isPending}>
            {initial ? 'Save template' : 'Create template'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
