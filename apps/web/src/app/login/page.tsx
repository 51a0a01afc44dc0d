import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/LoginForm';
import { requestContext } from '@/server/auth';

export const dynamic = 'force-dynamic';

export default async function LoginPage() {
  if ((await requestContext()).principal) redirect('/');
  return (
    <main className="page page--narrow">
      <section className="card login">
        <h1>Aura Data</h1>
        <p className="muted">Sign in to see your projects.</p>
        <LoginForm />
        <p className="muted small">
          The first start of the server creates an admin and prints its password once (also in{' '}
          <code>data/initial-admin-credentials.txt</code>). More users:{' '}
          <code>pnpm aura users:create</code>.
        </p>
      </section>
    </main>
  );
}
