'use client';

import {
  Button,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/errors';
import { useTRPC } from '@/trpc/react';
import { toast } from '@/components/projects/ui';

type Source = 'blank' | 'template';

/**
 * "New project": blank, or from a system template or a custom template. The template choice
 * lists both kinds; its value says which procedure creates the project.
 */
export function NewProjectButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [source, setSource] = useState<Source>('blank');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [template, setTemplate] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const templates = useQuery({
    ...trpc.templates.list.queryOptions({ limit: 100 }),
    enabled: opened && source === 'template',
  });
  const customTemplates = useQuery({
    ...trpc.customTemplates.list.queryOptions({ limit: 100 }),
    enabled: opened && source === 'template',
  });

  const done = (project: { id: string; title: string }) => {
    void queryClient.invalidateQueries({ queryKey: trpc.projects.pathKey() });
    toast({ color: 'green', title: 'Project created', message: project.title });
    close();
    setTitle('');
    setDescription('');
    setTemplate(null);
    router.push(`/projects/${project.id}`);
  };
  const onError = (e: unknown) => setError(errorMessage(e));
  const blank = useMutation(trpc.projects.create.mutationOptions({ onSuccess: done, onError }));
  const fromTemplate = useMutation(
    trpc.templates.createProject.mutationOptions({ onSuccess: done, onError }),
  );
  const fromCustom = useMutation(
    trpc.customTemplates.createProject.mutationOptions({ onSuccess: done, onError }),
  );
  const pending = blank.isPending || fromTemplate.isPending || fromCustom.isPending;

  const templateOptions = [
    {
      group: 'System templates',
      items: (templates.data?.items ?? []).map((t) => ({ value: `system:${t.id}`, label: t.name })),
    },
    {
      group: 'Custom templates',
      items: (customTemplates.data?.items ?? []).map((t) => ({
        value: `custom:${t.id}`,
        label: t.name,
      })),
    },
  ].filter((group) => group.items.length > 0);

  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const base = { title: title.trim(), description: description.trim() || null };
    if (!base.title) return setError('Give the project a title.');
    if (source === 'blank') return blank.mutate(base);
    if (!template) return setError('Pick a template.');
    const [kind, id] = [
      template.slice(0, template.indexOf(':')),
      template.slice(template.indexOf(':') + 1),
    ];
    if (kind === 'custom') fromCustom.mutate({ ...base, customTemplateId: id });
    else fromTemplate.mutate({ ...base, templateId: id });
  }

  return (
    <>
      <Button onClick={open}>New project</Button>
      <Modal
        opened={opened}
        onClose={close}
        title="New project"
        size="lg"
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        <form onSubmit={submit}>
          <Stack gap="sm">
            <SegmentedControl
              aria-label="Start from"
              value={source}
              onChange={(value) => setSource(value as Source)}
              data={[
                { value: 'blank', label: 'Blank' },
                { value: 'template', label: 'From a template' },
              ]}
            />
            {source === 'template' && (
              <Select
                label="Template"
                placeholder={templates.isPending ? 'Loading templates…' : 'Pick a template'}
                data={templateOptions}
                value={template}
                onChange={setTemplate}
                searchable
                nothingFoundMessage="No template matches"
                required
              />
            )}
            <TextInput
              label="Title"
              value={title}
              onChange={(event) => setTitle(event.currentTarget.value)}
              maxLength={200}
              required
              data-autofocus
            />
            <Textarea
              label="Description"
              value={description}
              onChange={(event) => setDescription(event.currentTarget.value)}
              autosize
              minRows={2}
              maxLength={2000}
            />
            {error && (
              <Text c="red.8" size="sm" role="alert">
                {error}
              </Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={pending}>
                Create project
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
