import type { Metadata } from 'next';
import { LegacyImport } from '@/components/LegacyImport';
import { requirePrincipal } from '@/server/auth';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Import a .NET Aura database · Aura Data' };

export default async function ImportPage() {
  const principal = await requirePrincipal();
  const admin = principal.role === 'admin';

  return (
    <main className="page page--framed">
      <header className="page__header">
        <h1>Import a .NET Aura database</h1>
      </header>
      {admin ? (
        <>
          <p className="muted legacy__intro">
            Brings an <code>aura.db</code> of Aura Video Studio&apos;s .NET version over: projects,
            scenes, assets, versions, templates, exports, undo history and settings. Start with a
            dry run: it reads the file and reports what would be imported without writing anything.
            The import then runs in one transaction; running it again imports nothing new.
          </p>
          <LegacyImport />
        </>
      ) : (
        <section className="card notice" role="alert">
          <h2>Only an admin may import</h2>
          <p>
            Importing a legacy database writes into every table, so it is limited to admins. Ask an
            admin to run it, or to use <code>pnpm aura import:legacy</code> on the server.
          </p>
        </section>
      )}
    </main>
  );
}
