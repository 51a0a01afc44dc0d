import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { SetupBanner } from '@/components/setup/SetupBanner';
import { AppFrame } from '@/components/shell/AppFrame';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

/** Every signed-in page: the principal is required here once, and the frame rendered around it. */
export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const principal = await requirePrincipal();
  const queryClient = getQueryClient();
  // The header's health badge, rendered on the server like the page below it.
  await queryClient.prefetchQuery(trpc.health.details.queryOptions());
  // The admins' "finish setting up" banner, server-rendered so it does not pop in.
  if (principal.role === 'admin') {
    await queryClient.prefetchQuery(trpc.setup.installation.queryOptions());
  }
  const user = {
    id: principal.userId,
    email: principal.email,
    displayName: principal.displayName,
    role: principal.role,
  };
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <AppFrame user={user}>
        <SetupBanner />
        {children}
      </AppFrame>
    </HydrationBoundary>
  );
}
