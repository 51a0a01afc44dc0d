import { redirect } from 'next/navigation';

/** The projects list is the home page. */
export default function Home() {
  redirect('/projects');
}
