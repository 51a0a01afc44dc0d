'use client';

import { AppShell, Burger, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { HealthBadge } from '@/components/HealthBadge';
import { LiveUpdates } from '@/live/LiveUpdates';
import { HeaderActions } from './HeaderActions';
import { isActiveLink, navLinksFor } from './nav-links';
import { PrincipalProvider, type SignedInUser } from './principal';
import { UserMenu } from './UserMenu';

/** The signed-in pages' frame: header, role-filtered navigation, and the page. */
export function AppFrame({ user, children }: { user: SignedInUser; children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const pathname = usePathname();
  const links = navLinksFor(user.role);
  const groups = ['Workspace', 'Administration'] as const;

  return (
    <PrincipalProvider user={user}>
      {/* The tab's one live stream: keeps every page's queries current. */}
      <LiveUpdates />
      <AppShell
        header={{ height: 60 }}
        navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="sm">
            <Group gap="sm" wrap="nowrap">
              <Burger
                opened={opened}
                onClick={toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label={opened ? 'Close navigation' : 'Open navigation'}
              />
              <Title order={2} size="h4" style={{ whiteSpace: 'nowrap' }}>
                <Link href="/projects" className="frame__brand">
                  Aura Data
                </Link>
              </Title>
              <Group visibleFrom="md">
                <HealthBadge />
              </Group>
            </Group>
            <Group gap="xs" wrap="nowrap">
              <HeaderActions />
              <UserMenu user={user} />
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Main">
          <AppShell.Section grow component={ScrollArea}>
            {groups.map((group) => {
              const inGroup = links.filter((link) => link.group === group);
              if (inGroup.length === 0) return null;
              return (
                <div key={group}>
                  <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt="sm" pb={4}>
                    {group}
                  </Text>
                  {inGroup.map((link) => (
                    <NavLink
                      key={link.href}
                      component={Link}
                      href={link.href}
                      label={link.label}
                      active={isActiveLink(pathname, link.href)}
                      onClick={close}
                    />
                  ))}
                </div>
              );
            })}
          </AppShell.Section>
          <AppShell.Section hiddenFrom="md" p="xs">
            <HealthBadge />
          </AppShell.Section>
        </AppShell.Navbar>
        <AppShell.Main>
          <div className="frame__main">{children}</div>
        </AppShell.Main>
      </AppShell>
    </PrincipalProvider>
  );
}
