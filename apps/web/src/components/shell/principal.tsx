'use client';

import type { UserRole } from '@aura/db';
import { createContext, useContext, type ReactNode } from 'react';

/** The signed-in user, as the pages' client components need it (no token, no session id). */
export interface SignedInUser {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
}

const PrincipalContext = createContext<SignedInUser | null>(null);

export function PrincipalProvider({ user, children }: { user: SignedInUser; children: ReactNode }) {
  return <PrincipalContext.Provider value={user}>{children}</PrincipalContext.Provider>;
}

/** The signed-in user; only inside the (app) layout, which has already required one. */
export function usePrincipal(): SignedInUser {
  const user = useContext(PrincipalContext);
  if (!user) throw new Error('usePrincipal() outside the signed-in layout');
  return user;
}

/** Editors and admins change content; the server refuses a viewer anyway, the UI hides the buttons. */
export function canEdit(role: UserRole): boolean {
  return role === 'editor' || role === 'admin';
}

export function isAdmin(role: UserRole): boolean {
  return role === 'admin';
}
