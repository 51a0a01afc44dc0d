'use client';

import {
  ActionIcon,
  Button,
  Card,
  Code,
  Group,
  NumberInput,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { useQueryClient } from '@tanstack/react-query';
import { parseAsString, useQueryState } from 'nuqs';
import {
  useEffect,
  useRef,
  useState,
  type DragEvent,
  type FormEvent,
  type KeyboardEvent,
} from 'react';
import { errorMessage } from '@/lib/errors';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { useTRPC, useTRPCClient } from '@/trpc/react';
import type { ProjectDetail } from './ProjectTabs';
import { useProjectRefresh } from './use-project-refresh';
import { ToneBadge, toast } from '@/components/projects/ui';

type Scene = ProjectDetail['scenes'][number];

interface SceneFields {
  scriptText: string;
  durationSeconds: number;
  audioFilePath: string;
  imageFilePath: string;
}

const emptyFields: SceneFields = {
  scriptText: '',
  durationSeconds: 0,
  audioFilePath: '',
  imageFilePath: '',
};

function SceneForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
  idPrefix,
}: {
  initial: SceneFields;
  submitLabel: string;
  onSubmit: (fields: SceneFields) => Promise<boolean>;
  onCancel?: () => void;
  idPrefix: string;
}) {
  const [fields, setFields] = useState(initial);
  const [pending, setPending] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    const ok = await onSubmit(fields);
    setPending(false);
    if (ok && !onCancel) setFields(emptyFields);
  }
  return (
    <form onSubmit={(event) => void submit(event)}>
      <Stack gap="xs">
        <Textarea
          id={`${idPrefix}-script`}
          label="Script text"
          value={fields.scriptText}
          onChange={(e) => setFields({ ...fields, scriptText: e.currentTarget.value })}
          autosize
          minRows={2}
          required
        />
        <Group gap="sm" grow wrap="wrap">
          <NumberInput
            id={`${idPrefix}-duration`}
            label="Duration (seconds)"
            min={0}
            decimalScale={2}
            value={fields.durationSeconds}
            onChange={(value) =>
              setFields({ ...fields, durationSeconds: typeof value === 'number' ? value : 0 })
            }
            miw={140}
          />
          <TextInput
            id={`${idPrefix}-audio`}
            label="Audio file path"
            placeholder="Absolute path in a media folder"
            value={fields.audioFilePath}
            onChange={(e) => setFields({ ...fields, audioFilePath: e.currentTarget.value })}
            miw={200}
          />
          <TextInput
            id={`${idPrefix}-image`}
            label="Image file path"
            placeholder="Absolute path in a media folder"
            value={fields.imageFilePath}
            onChange={(e) => setFields({ ...fields, imageFilePath: e.currentTarget.value })}
            miw={200}
          />
        </Group>
        <Group gap="xs">
          <Button type="submit" size="sm" loading={pending}>
            {submitLabel}
          </Button>
          {onCancel && (
            <Button variant="default" size="sm" onClick={onCancel}>
              Cancel
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}

/** The project's scenes in order: add, edit, reorder (drag, buttons, Alt+Arrow), complete, delete. */
export function ScenesTab({ project }: { project: ProjectDetail }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const refresh = useProjectRefresh(project.id);
  const editor = canEdit(usePrincipal().role);
  const [highlight] = useQueryState('scene', parseAsString);
  const [editing, setEditing] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [dragId, setDragId] = useState<string | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const scenes = project.scenes;

  // ?scene=<id> (the global search links here): scroll to it once it is rendered.
  useEffect(() => {
    if (!highlight) return;
    const element = listRef.current?.querySelector<HTMLElement>(
      `[data-scene-id="${CSS.escape(highlight)}"]`,
    );
    element?.scrollIntoView({ block: 'center' });
  }, [highlight]);

  // Keyboard reordering keeps focus on the moved scene after the list re-renders.
  useEffect(() => {
    if (!focusId) return;
    listRef.current
      ?.querySelector<HTMLElement>(`[data-scene-id="${CSS.escape(focusId)}"]`)
      ?.focus();
  }, [focusId, scenes]);

  const fail = (title: string) => (error: unknown) => {
    toast({ color: 'red', title, message: errorMessage(error) });
    void refresh();
  };

  async function move(scene: Scene, to: number) {
    const from = scenes.findIndex((s) => s.id === scene.id);
    if (from < 0 || to < 0 || to >= scenes.length || to === from) return;
    const order = [...scenes];
    order.splice(from, 1);
    order.splice(to, 0, scene);
    // Shown at once; the server's answer (new RowVersions) replaces it. A refetch already in
    // flight (e.g. from a live update) would land the old order over it: cancelled first.
    const key = trpc.projects.get.queryKey({ id: project.id });
    await queryClient.cancelQueries({ queryKey: key });
    queryClient.setQueryData(key, {
      ...project,
      scenes: order.map((s, index) => ({ ...s, sceneIndex: index })),
    });
    setAnnouncement(`Scene moved to position ${to + 1} of ${scenes.length}.`);
    try {
      await client.scenes.reorder.mutate({
        projectId: project.id,
        scenes: order.map((s) => ({ id: s.id, rowVersion: s.rowVersion })),
      });
    } catch (error) {
      fail('The scenes were not reordered')(error);
      setAnnouncement('The move failed; the previous order is back.');
    }
    await refresh();
  }

  function onKeyDown(event: KeyboardEvent<HTMLElement>, scene: Scene, index: number) {
    if (!editor || !event.altKey || event.target !== event.currentTarget) return;
    if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      event.preventDefault();
      setFocusId(scene.id);
      void move(scene, index + (event.key === 'ArrowUp' ? -1 : 1));
    }
  }

  function onDrop(event: DragEvent<HTMLElement>, index: number) {
    event.preventDefault();
    const id = dragId ?? event.dataTransfer.getData('text/plain');
    setDragId(null);
    const scene = scenes.find((s) => s.id === id);
    if (scene) void move(scene, index);
  }

  async function add(fields: SceneFields): Promise<boolean> {
    try {
      await client.scenes.add.mutate({
        projectId: project.id,
        scriptText: fields.scriptText,
        durationSeconds: fields.durationSeconds,
        audioFilePath: fields.audioFilePath.trim() || null,
        imageFilePath: fields.imageFilePath.trim() || null,
      });
      toast({
        color: 'green',
        title: 'Scene added',
        message: fields.scriptText.slice(0, 80),
      });
      await refresh();
      return true;
    } catch (error) {
      fail('The scene was not added')(error);
      return false;
    }
  }

  async function save(scene: Scene, fields: SceneFields): Promise<boolean> {
    // Only what changed is sent: an unchanged path is not checked against the media folders again.
    const patch: Record<string, string | number | null> = {};
    if (fields.scriptText !== scene.scriptText) patch.scriptText = fields.scriptText;
    if (fields.durationSeconds !== scene.durationSeconds)
      patch.durationSeconds = fields.durationSeconds;
    if (fields.audioFilePath.trim() !== (scene.audioFilePath ?? ''))
      patch.audioFilePath = fields.audioFilePath.trim() || null;
    if (fields.imageFilePath.trim() !== (scene.imageFilePath ?? ''))
      patch.imageFilePath = fields.imageFilePath.trim() || null;
    try {
      if (Object.keys(patch).length > 0)
        await client.scenes.update.mutate({ id: scene.id, rowVersion: scene.rowVersion, ...patch });
      setEditing(null);
      await refresh();
      return true;
    } catch (error) {
      fail('The scene was not saved')(error);
      return false;
    }
  }

  async function complete(scene: Scene) {
    try {
      await client.scenes.complete.mutate({ id: scene.id, rowVersion: scene.rowVersion });
      toast({
        color: 'green',
        title: 'Scene completed',
        message: `Scene ${scene.sceneIndex + 1}`,
      });
    } catch (error) {
      fail('The scene was not completed')(error);
    }
    await refresh();
  }

  function remove(scene: Scene) {
    modals.openConfirmModal({
      title: `Delete scene ${scene.sceneIndex + 1}?`,
      children: (
        <Text size="sm">
          “{scene.scriptText.slice(0, 120)}” is deleted and the following scenes move up. You can
          undo it.
        </Text>
      ),
      labels: { confirm: 'Delete scene', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () =>
        void (async () => {
          try {
            await client.scenes.delete.mutate({ id: scene.id, rowVersion: scene.rowVersion });
            toast({
              color: 'green',
              title: 'Scene deleted',
              message: `Scene ${scene.sceneIndex + 1}`,
            });
          } catch (error) {
            fail('The scene was not deleted')(error);
          }
          await refresh();
        })(),
    });
  }

  return (
    <Stack gap="md">
      <VisuallyHidden aria-live="polite" role="status">
        {announcement}
      </VisuallyHidden>
      {editor && scenes.length > 1 && (
        <Text size="sm" c="dimmed">
          Reorder by dragging a scene, with its move buttons, or with Alt+Arrow Up/Down on a focused
          scene.
        </Text>
      )}
      {scenes.length === 0 && <Text c="dimmed">No scenes yet.</Text>}
      <ol
        ref={listRef}
        aria-label="Scenes"
        style={{
          listStyle: 'none',
          padding: 0,
          margin: 0,
          display: 'flex',
          flexDirection: 'column',
          gap: 'var(--mantine-spacing-sm)',
        }}
      >
        {scenes.map((scene, index) => {
          const highlighted = highlight === scene.id;
          return (
            <Card
              component="li"
              key={scene.id}
              withBorder
              padding="sm"
              data-scene-id={scene.id}
              data-highlighted={highlighted || undefined}
              tabIndex={editor ? 0 : -1}
              aria-label={`Scene ${index + 1} of ${scenes.length}`}
              draggable={editor && editing !== scene.id}
              onDragStart={(event: DragEvent<HTMLElement>) => {
                event.dataTransfer.setData('text/plain', scene.id);
                event.dataTransfer.effectAllowed = 'move';
                setDragId(scene.id);
              }}
              onDragOver={(event: DragEvent<HTMLElement>) => {
                if (dragId) event.preventDefault();
              }}
              onDrop={(event: DragEvent<HTMLElement>) => onDrop(event, index)}
              onKeyDown={(event: KeyboardEvent<HTMLElement>) => onKeyDown(event, scene, index)}
              style={{
                cursor: editor ? 'grab' : undefined,
                outline: highlighted ? '3px solid var(--mantine-color-indigo-7)' : undefined,
                background: highlighted ? 'var(--mantine-color-indigo-0)' : undefined,
                opacity: dragId === scene.id ? 0.5 : 1,
              }}
            >
              <Stack gap={6}>
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <Group gap="xs">
                    <Title order={3} size="h5">
                      Scene {index + 1}
                    </Title>
                    {scene.isCompleted ? (
                      <ToneBadge color="green">Completed</ToneBadge>
                    ) : (
                      <ToneBadge color="gray">Not completed</ToneBadge>
                    )}
                    <Text size="sm" c="dimmed">
                      {scene.durationSeconds} s
                    </Text>
                  </Group>
                  {editor && editing !== scene.id && (
                    <Group gap={4} wrap="wrap">
                      <Tooltip label="Move up (Alt+Arrow Up)">
                        <ActionIcon
                          variant="default"
                          aria-label={`Move scene ${index + 1} up`}
                          disabled={index === 0}
                          onClick={() => {
                            setFocusId(null);
                            void move(scene, index - 1);
                          }}
                        >
                          <span aria-hidden>↑</span>
                        </ActionIcon>
                      </Tooltip>
                      <Tooltip label="Move down (Alt+Arrow Down)">
                        <ActionIcon
                          variant="default"
                          aria-label={`Move scene ${index + 1} down`}
                          disabled={index === scenes.length - 1}
                          onClick={() => {
                            setFocusId(null);
                            void move(scene, index + 1);
                          }}
                        >
                          <span aria-hidden>↓</span>
                        </ActionIcon>
                      </Tooltip>
                      <Button size="xs" variant="default" onClick={() => setEditing(scene.id)}>
                        Edit
                      </Button>
                      {!scene.isCompleted && (
                        <Button size="xs" variant="default" onClick={() => void complete(scene)}>
                          Complete
                        </Button>
                      )}
                      <Button size="xs" variant="default" c="red.9" onClick={() => remove(scene)}>
                        Delete
                      </Button>
                    </Group>
                  )}
                </Group>
                {editing === scene.id ? (
                  <SceneForm
                    idPrefix={`scene-${scene.id}`}
                    initial={{
                      scriptText: scene.scriptText,
                      durationSeconds: scene.durationSeconds,
                      audioFilePath: scene.audioFilePath ?? '',
                      imageFilePath: scene.imageFilePath ?? '',
                    }}
                    submitLabel="Save scene"
                    onSubmit={(fields) => save(scene, fields)}
                    onCancel={() => setEditing(null)}
                  />
                ) : (
                  <>
                    <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                      {scene.scriptText}
                    </Text>
                    <Group gap="md" wrap="wrap">
                      <Text size="sm">
                        Audio:{' '}
                        {scene.audioFilePath ? (
                          <Code style={{ overflowWrap: 'anywhere' }}>{scene.audioFilePath}</Code>
                        ) : (
                          <Text span c="dimmed" size="sm">
                            none
                          </Text>
                        )}
                      </Text>
                      <Text size="sm">
                        Image:{' '}
                        {scene.imageFilePath ? (
                          <Code style={{ overflowWrap: 'anywhere' }}>{scene.imageFilePath}</Code>
                        ) : (
                          <Text span c="dimmed" size="sm">
                            none
                          </Text>
                        )}
                      </Text>
                    </Group>
                  </>
                )}
              </Stack>
            </Card>
          );
        })}
      </ol>
      {editor && (
        <Card withBorder padding="sm">
          <Title order={3} size="h5" mb="xs">
            Add a scene
          </Title>
          <SceneForm
            idPrefix="new-scene"
            initial={emptyFields}
            submitLabel="Add scene"
            onSubmit={add}
          />
        </Card>
      )}
    </Stack>
  );
}
