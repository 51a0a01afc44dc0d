'use client';

import { Alert, Center, Loader } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { ReactNode } from 'react';

/** The parts of a tRPC client error the pages read (fields of a BAD_REQUEST, the code). */
export interface ApiError {
  message: string;
  data?: {
    code?: string;
    zodError?: { fieldErrors?: Record<string, string[] | undefined> } | null;
  } | null;
}

/**
 * A field's messages as a sentence: a schema message is one already ("Use at least 10
 * characters"), a service's problem is a fragment that follows the field ("is not executable").
 */
export function fieldError(
  error: ApiError | null | undefined,
  field: string,
  label: string,
): string | undefined {
  const messages = error?.data?.zodError?.fieldErrors?.[field];
  if (!messages?.length) return undefined;
  return messages.map((m) => (/^[a-z]/.test(m) ? `${label} ${m}` : m)).join(' ');
}

/** The error as a reader should see it: FORBIDDEN and UNAUTHORIZED say what to do. */
export function errorText(error: ApiError): string {
  if (error.data?.code === 'UNAUTHORIZED') return 'Your session has ended: sign in again.';
  return error.message;
}

export function notifyError(title: string, error: ApiError): void {
  notifications.show({ color: 'red', title, message: errorText(error) });
}

export function notifyDone(message: string): void {
  notifications.show({ color: 'green', message });
}

/** Loading and error states of a query, around what it renders once it has data. */
export function QueryState({
  isPending,
  error,
  label,
  children,
}: {
  isPending: boolean;
  error: ApiError | null;
  label: string;
  children: ReactNode;
}) {
  if (error) {
    return (
      <Alert color="red" title={`Could not load ${label}`} role="alert">
        {errorText(error)}
      </Alert>
    );
  }
  if (isPending) {
    return (
      <Center mih={120} role="status" aria-live="polite">
        <Loader aria-label={`Loading ${label}`} />
      </Center>
    );
  }
  return <>{children}</>;
}

/** The page-level notice for a role that may not use a page. */
export function AdminOnly({ what, children }: { what: string; children?: ReactNode }) {
  return (
    <Alert color="yellow" title={`Only an admin can ${what}`} role="alert">
      {children ?? 'Ask an admin of this installation if you need a change here.'}
    </Alert>
  );
}
