'use client';

import { ActionIcon, Group, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTRPC } from '@/trpc/react';
import { canEdit, usePrincipal } from './principal';
import { toast } from '@/components/projects/ui';

type Verb = 'undo' | 'redo';

/** True while the user types: the browser's own undo belongs to the field then. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Undo and redo of the signed-in user's own last step (the server's undo log), from the header's
 * buttons or Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z. A toast says what was undone, or why it could not
 * be. Every query is refreshed after a step: it may have touched any page's rows.
 */
export function useUndoRedo() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const show = (verb: Verb, actions: { description: string }[]) => {
    const [first] = actions;
    toast({
      color: 'green',
      title: verb === 'undo' ? 'Undone' : 'Redone',
      message: first
        ? `${first.description}${actions.length > 1 ? ` (and ${actions.length - 1} more)` : ''}`
        : 'Done',
    });
    void queryClient.invalidateQueries();
  };
  const fail = (verb: Verb, error: { message: string; data?: { code?: string } | null }) => {
    const nothing = error.data?.code === 'NOT_FOUND';
    toast({
      color: nothing ? 'gray' : 'red',
      title: nothing ? `Nothing to ${verb}` : `Could not ${verb}`,
      message: nothing
        ? verb === 'undo'
          ? 'You have no step left to undo.'
          : 'You have undone nothing since your last change.'
        : error.message,
    });
    if (!nothing) void queryClient.invalidateQueries();
  };
  const undo = useMutation(
    trpc.actions.undo.mutationOptions({
      onSuccess: (result) => show('undo', result.actions),
      onError: (error) => fail('undo', error),
    }),
  );
  const redo = useMutation(
    trpc.actions.redo.mutationOptions({
      onSuccess: (result) => show('redo', result.actions),
      onError: (error) => fail('redo', error),
    }),
  );
  const busy = undo.isPending || redo.isPending;
  const run = useRef<(verb: Verb) => void>(() => undefined);
  run.current = (verb) => {
    if (busy) return;
    if (verb === 'undo') undo.mutate();
    else redo.mutate();
  };
  return { run, undoPending: undo.isPending, redoPending: redo.isPending };
}

/** The header's Undo and Redo buttons and their keyboard shortcuts; hidden from a viewer. */
export function UndoRedo() {
  const user = usePrincipal();
  const { run, undoPending, redoPending } = useUndoRedo();

  const editor = canEdit(user.role);
  useEffect(() => {
    if (!editor) return;
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      const verb: Verb | null =
        key === 'z'
          ? event.shiftKey
            ? 'redo'
            : 'undo'
          : key === 'y' && !event.shiftKey
            ? 'redo'
            : null;
      if (!verb || isTyping(event.target)) return;
      event.preventDefault();
      run.current(verb);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [editor, run]);

  // A viewer has no steps of their own to undo.
  if (!editor) return null;
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label="Undo my last step (Ctrl+Z)">
        <ActionIcon
          variant="default"
          size="lg"
          aria-label="Undo"
          aria-keyshortcuts="Control+Z Meta+Z"
          loading={undoPending}
          onClick={() => run.current('undo')}
        >
          <span aria-hidden>↶</span>
        </ActionIcon>
      </Tooltip>
      <Tooltip label="Redo (Shift+Ctrl+Z)">
        <ActionIcon
          variant="default"
          size="lg"
          aria-label="Redo"
          aria-keyshortcuts="Shift+Control+Z Shift+Meta+Z"
          loading={redoPending}
          onClick={() => run.current('redo')}
        >
          <span aria-hidden>↷</span>
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}
