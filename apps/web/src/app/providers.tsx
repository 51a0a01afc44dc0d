'use client';

import { MantineProvider } from '@mantine/core';
import { ModalsProvider } from '@mantine/modals';
import { Notifications } from '@mantine/notifications';
import { NuqsAdapter } from 'nuqs/adapters/next/app';
import type { ReactNode } from 'react';
import { cssVariablesResolver, theme } from '@/theme';
import { TRPCReactProvider } from '@/trpc/react';

/** Client-side providers of every page: theme, URL state, data, confirmations, toasts. */
export function Providers({ children }: { children: ReactNode }) {
  return (
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="light"
    >
      <NuqsAdapter>
        <TRPCReactProvider>
          <ModalsProvider>
            <Notifications position="bottom-right" />
            {children}
          </ModalsProvider>
        </TRPCReactProvider>
      </NuqsAdapter>
    </MantineProvider>
  );
}
