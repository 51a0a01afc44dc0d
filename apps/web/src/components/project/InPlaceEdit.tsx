'use client';

import { Alert, Button, Group, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '@/lib/errors';
import { formatTimestamp } from '@/lib/format';
import { useTRPC, useTRPCClient } from '@/trpc/react';
import { useProjectRefresh } from './use-project-refresh';
import { ALERT_STYLES, toast } from '@/components/projects/ui';

type Field = 'title' | 'description';

interface Conflict {
  /** The row as it is now. */
  theirs: string;
  rowVersion: number;
  by: string;
  at: string;
}

function isConflict(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'data' in error &&
    (error as { data?: { code?: string } | null }).data?.code === 'CONFLICT'
  );
}

/**
 * One field of the project edited in place. The edit remembers the RowVersion it started from:
 * if someone changed the project since, the save is refused (CONFLICT) and the user sees who
 * changed it, when, and what it says now, then reloads (dropping their text) or overwrites
 * (sends their text again on the fresh RowVersion). Nothing is lost silently.
 */
export function InPlaceEdit({
  projectId,
  field,
  value,
  rowVersion,
  editable,
  children,
}: {
  projectId: string;
  field: Field;
  value: string;
  rowVersion: number;
  editable: boolean;
  children: ReactNode;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const refresh = useProjectRefresh(projectId);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [base, setBase] = useState({ value, rowVersion });
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const label = field === 'title' ? 'Title' : 'Description';

  function start() {
    setDraft(value);
    setBase({ value, rowVersion });
    setConflict(null);
    setError(null);
    setEditing(true);
  }

  async function send(onVersion: number) {
    setPending(true);
    setError(null);
    const text = draft.trim();
    try {
      await client.projects.update.mutate({
        id: projectId,
        rowVersion: onVersion,
        ...(field === 'title' ? { title: text } : { description: text || null }),
      });
      setEditing(false);
      setConflict(null);
      toast({
        color: 'green',
        title: `${label} saved`,
        message: text.slice(0, 120) || '(empty)',
      });
      await refresh();
    } catch (e) {
      if (!isConflict(e)) {
        setError(errorMessage(e));
      } else {
        const [fresh, audit] = await Promise.all([
          queryClient.fetchQuery({
            ...trpc.projects.get.queryOptions({ id: projectId }),
            staleTime: 0,
          }),
          queryClient.fetchQuery({
            ...trpc.projects.audit.queryOptions({ id: projectId }),
            staleTime: 0,
          }),
        ]);
        setConflict({
          theirs: (field === 'title' ? fresh.title : fresh.description) ?? '',
          rowVersion: fresh.rowVersion,
          by: audit.lastEditor?.displayName ?? 'someone',
          at: fresh.updatedAt,
        });
      }
    } finally {
      setPending(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void send(conflict ? conflict.rowVersion : base.rowVersion);
  }

  if (!editing) {
    return (
      <Group gap="xs" align="flex-start" wrap="nowrap">
        <div style={{ minWidth: 0, flex: 1 }}>{children}</div>
        {editable && (
          <Button
            size="xs"
            variant="subtle"
            onClick={start}
            aria-label={`Edit ${label.toLowerCase()}`}
          >
            Edit
          </Button>
        )}
      </Group>
    );
  }

  return (
    <form onSubmit={submit}>
      <Stack gap="xs">
        {field === 'title' ? (
          <TextInput
            label={label}
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            maxLength={200}
            required
            autoFocus
          />
        ) : (
          <Textarea
            label={label}
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            autosize
            minRows={2}
            maxLength={10_000}
            autoFocus
          />
        )}
        {conflict && (
          <Alert
            styles={ALERT_STYLES}
            color="orange"
            title="This project was changed meanwhile"
            role="alert"
          >
            <Stack gap={6}>
              <Text size="sm" data-testid="conflict-message">
                Changed by {conflict.by} at {formatTimestamp(conflict.at)} — reload or overwrite?
              </Text>
              <Text size="sm">
                {label} now: <strong>{conflict.theirs || '(empty)'}</strong>
              </Text>
              <Text size="sm">When you started editing: {base.value || '(empty)'}</Text>
              <Text size="sm">
                Yours: <strong>{draft.trim() || '(empty)'}</strong>
              </Text>
              <Group gap="xs">
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => {
                    setEditing(false);
                    setConflict(null);
                    void refresh();
                  }}
                >
                  Reload (drop my edit)
                </Button>
                <Button size="xs" type="submit" loading={pending}>
                  Overwrite with mine
                </Button>
              </Group>
            </Stack>
          </Alert>
        )}
        {error && (
          <Text c="red.8" size="sm" role="alert">
            {error}
          </Text>
        )}
        {!conflict && (
          <Group gap="xs">
            <Button size="xs" type="submit" loading={pending}>
              Save {label.toLowerCase()}
            </Button>
            <Button size="xs" variant="default" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}
