'use client';

import { Avatar, Menu, UnstyledButton, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useTRPC } from '@/trpc/react';
import type { SignedInUser } from './principal';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).slice(0, 2);
  return parts.map((part) => part.charAt(0).toUpperCase()).join('') || '?';
}

/** Who is signed in (name, email, role), their account page, and sign-out. */
export function UserMenu({ user }: { user: SignedInUser }) {
  const trpc = useTRPC();
  const router = useRouter();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSuccess: () => {
        router.replace('/login');
        router.refresh();
      },
    }),
  );
  return (
    <Menu position="bottom-end" width={260} withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={`Account menu of ${user.displayName}`} className="frame__user">
          <Avatar color="indigo" radius="xl" size="md" aria-hidden>
            {initials(user.displayName)}
          </Avatar>
          <span className="visually-hidden">
            Signed in as {user.displayName} ({user.email}, {user.role})
          </span>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          <Text size="sm" fw={600} c="dark">
            {user.displayName}
          </Text>
          <Text size="xs">{user.email}</Text>
          <Text size="xs">Role: {user.role}</Text>
        </Menu.Label>
        <Menu.Divider />
        <Menu.Item component={Link} href="/account">
          My account
        </Menu.Item>
        <Menu.Item onClick={() => logout.mutate()} disabled={logout.isPending}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
