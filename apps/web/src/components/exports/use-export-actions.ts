'use client';

import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/trpc/react';
import { errorMessage } from '@/lib/errors';
import { fileName, type ExportRow } from './ExportsTable';

/** Cancel (after a confirmation) and retry, with a toast for the outcome; shared by both pages. */
export function useExportActions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [busyId, setBusyId] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.exports.pathKey() });

  const cancel = useMutation(trpc.exports.cancel.mutationOptions());
  const retry = useMutation(trpc.exports.retry.mutationOptions());

  const onCancel = (row: ExportRow) => {
    const name = fileName(row.outputFile);
    modals.openConfirmModal({
      title: `Cancel ${name}?`,
      children: 'The worker stops it; it can be retried later as a new export.',
      labels: { confirm: 'Cancel export', cancel: 'Keep it' },
      confirmProps: { color: 'red' },
      onConfirm: () => {
        setBusyId(row.id);
        cancel.mutate(
          { id: row.id },
          {
            onSuccess: () =>
              notifications.show({ color: 'orange', title: 'Cancelled', message: name }),
            onError: (error) =>
              notifications.show({
                color: 'red',
                title: 'Not cancelled',
                message: errorMessage(error),
              }),
            onSettled: () => {
              setBusyId(null);
              void refresh();
            },
          },
        );
      },
    });
  };

  const onRetry = (row: ExportRow) => {
    const name = fileName(row.outputFile);
    setBusyId(row.id);
    retry.mutate(
      { id: row.id },
      {
        onSuccess: () =>
          notifications.show({ color: 'green', title: 'Queued again', message: name }),
        onError: (error) =>
          notifications.show({ color: 'red', title: 'Not retried', message: errorMessage(error) }),
        onSettled: () => {
          setBusyId(null);
          void refresh();
        },
      },
    );
  };

  return { busyId, onCancel, onRetry };
}
