import type { UserRole } from '@aura/db';

export interface NavLink {
  href: string;
  label: string;
  /** Who sees the link; the pages and procedures check the role again. */
  roles: readonly UserRole[];
  group: 'Workspace' | 'Administration';
}

const everyone = ['viewer', 'editor', 'admin'] as const;
const admins = ['admin'] as const;

export const NAV_LINKS: readonly NavLink[] = [
  { href: '/projects', label: 'Projects', roles: everyone, group: 'Workspace' },
  { href: '/exports', label: 'Exports', roles: everyone, group: 'Workspace' },
  { href: '/templates', label: 'Templates', roles: everyone, group: 'Workspace' },
  { href: '/trash', label: 'Trash', roles: everyone, group: 'Workspace' },
  { href: '/recovery', label: 'Recovery', roles: everyone, group: 'Workspace' },
  { href: '/setup', label: 'Setup', roles: everyone, group: 'Workspace' },
  { href: '/account', label: 'My account', roles: everyone, group: 'Workspace' },
  { href: '/settings', label: 'Settings', roles: everyone, group: 'Administration' },
  { href: '/storage', label: 'Storage', roles: everyone, group: 'Administration' },
  { href: '/worker', label: 'Worker', roles: everyone, group: 'Administration' },
  { href: '/health', label: 'Health', roles: everyone, group: 'Administration' },
  { href: '/people', label: 'People', roles: admins, group: 'Administration' },
  { href: '/backups', label: 'Backups', roles: admins, group: 'Administration' },
  { href: '/import', label: 'Import .NET database', roles: admins, group: 'Administration' },
];

export function navLinksFor(role: UserRole): NavLink[] {
  return NAV_LINKS.filter((link) => link.roles.includes(role));
}

/** The link a path belongs to (`/projects/abc` → Projects). */
export function isActiveLink(pathname: string, href: string): boolean {
  return pathname === href || pathname.startsWith(`${href}/`);
}
