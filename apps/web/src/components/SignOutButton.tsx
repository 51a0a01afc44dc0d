'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '@/trpc/react';

export function SignOutButton() {
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
    <button
      type="button"
      className="link-button"
      onClick={() => logout.mutate()}
      disabled={logout.isPending}
    >
      Sign out
    </button>
  );
}
