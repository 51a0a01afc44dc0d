'use client';

import { Alert, Table, type AlertProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A table that scrolls sideways inside its card on narrow screens; the scrolling region is
 * focusable and named, so keyboard users can scroll it too.
 */
export function ScrollTable({
  minWidth,
  label,
  children,
}: {
  minWidth: number;
  label: string;
  children: ReactNode;
}) {
  return (
    <Table.ScrollContainer
      minWidth={minWidth}
      scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': label } }}
    >
      {children}
    </Table.ScrollContainer>
  );
}

/** An Alert whose title keeps 4.5:1 contrast whatever its colour (Mantine's light titles do not). */
export function Notice(props: AlertProps) {
  return <Alert {...props} styles={{ title: { color: 'var(--mantine-color-black)' } }} />;
}
