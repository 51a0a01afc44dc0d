'use client';

import { Notice } from '@/components/health/ScrollTable';
import { Anchor } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { isAdmin, usePrincipal } from '@/components/shell/principal';
import { useTRPC } from '@/trpc/react';

/** For admins, on every page while the installation is not set up: where to finish it. */
export function SetupBanner() {
  const trpc = useTRPC();
  const { role } = usePrincipal();
  const pathname = usePathname();
  const admin = isAdmin(role);
  const status = useQuery({ ...trpc.setup.installation.queryOptions(), enabled: admin });
  if (!admin || !status.data || status.data.isSetupComplete || pathname === '/setup') return null;
  return (
    <Notice
      color="yellow"
      mb="md"
      title="Finish setting up this installation"
      data-testid="setup-banner"
    >
      Change the generated admin password and check FFmpeg and the output folder.{' '}
      <Anchor component={Link} href="/setup" size="sm" fw={600}>
        Open the setup
      </Anchor>
    </Notice>
  );
}
