'use client';

import { Alert, Button, Group, Modal, Stack, TextInput, Textarea } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';

export interface VersionFormValues {
  name: string;
  description: string;
}

/** Name and description of a version, for "Create version" and "Rename / describe". */
export function VersionForm({
  opened,
  title,
  submitLabel,
  initial,
  busy,
  error,
  onSubmit,
  onClose,
}: {
  opened: boolean;
  title: string;
  submitLabel: string;
  initial: VersionFormValues;
  busy: boolean;
  error: string | null;
  onSubmit: (values: VersionFormValues) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  useEffect(() => {
    if (opened) {
      setName(initial.name);
      setDescription(initial.description);
    }
  }, [opened, initial.name, initial.description]);

  function submit(event: FormEvent) {
    event.preventDefault();
    onSubmit({ name: name.trim(), description: description.trim() });
  }

  return (
    <Modal opened={opened} onClose={onClose} title={title} centered>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label="Name"
            description="Optional, e.g. “Before the voice change”"
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
          />
          <Textarea
            label="Description"
            value={description}
            maxLength={2000}
            autosize
            minRows={2}
            onChange={(e) => setDescription(e.currentTarget.value)}
          />
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
