'use client';

import { Alert, Center, Code, Loader } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { ReactNode } from 'react';

/**
 * Status colours as CSS colours, not theme names: Mantine's light and subtle variants cap a theme
 * colour's text at shade 6, which is below 4.5:1 on white for red, green and orange.
 */
export const TONE = {
  ok: '#166534',
  danger: '#b42318',
  warn: '#92400e',
  info: '#3f38c8',
  muted: '#495057',
  teal: '#0b7285',
} as const;

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

/** Notifications' close buttons are named for screen readers. */
const closeButtonProps = { 'aria-label': 'Dismiss' };

export function notifyError(title: string, error: ApiError): void {
  notifications.show({ color: TONE.danger, title, message: errorText(error), closeButtonProps });
}

export function notifyDone(message: string): void {
  notifications.show({ color: TONE.ok, message, closeButtonProps });
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
      <Alert color={TONE.danger} title={`Could not load ${label}`} role="alert">
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
    <Alert color={TONE.warn} title={`Only an admin can ${what}`} role="alert">
      {children ?? 'Ask an admin of this installation if you need a change here.'}
    </Alert>
  );
}

/** A scrollable block of JSON: focusable, so keyboard users can scroll it too. */
export function JsonBlock({
  value,
  label,
  maxHeight = 260,
  testId,
}: {
  value: unknown;
  label: string;
  maxHeight?: number;
  testId?: string;
}) {
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      style={{ maxHeight, overflow: 'auto' }}
      data-testid={testId}
    >
      <Code block>{JSON.stringify(value, null, 2)}</Code>
    </div>
  );
}
