import { redirect } from 'next/navigation';
import { requirePrincipal } from '@/server/auth';

export const dynamic = 'force-dynamic';

/** The projects list is the home page; a visitor without a session goes straight to the login. */
export default async function Home() {
  await requirePrincipal();
  redirect('/projects');
}
