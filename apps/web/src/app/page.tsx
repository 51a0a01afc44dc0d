import { PROJECT_STATUSES } from '@aura/db';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import Link from 'next/link';
import { HealthBadge } from '@/components/HealthBadge';
import { MaintenancePanel } from '@/components/MaintenancePanel';
import { ProjectDashboard } from '@/components/ProjectDashboard';
import { SignOutButton } from '@/components/SignOutButton';
import { WorkerBadge } from '@/components/WorkerBadge';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';
import { dashboardListInput, nextProjectCursor } from '@/trpc/shared';

export const dynamic = 'force-dynamic';

export default async function DashboardPage() {
  const principal = await requirePrincipal();
  const queryClient = getQueryClient();
  // Rendered on the server from the same procedures the browser calls, then hydrated.
  const health = await queryClient.fetchQuery(trpc.health.details.queryOptions());
  const ready =
    health.database.reachable && !health.migrations.error && health.migrations.pending.length === 0;
  if (ready) {
    await queryClient.prefetchQuery(trpc.worker.status.queryOptions());
    await queryClient.prefetchQuery(trpc.backups.list.queryOptions({ limit: 5 }));
    await queryClient.prefetchInfiniteQuery(
      trpc.projects.list.infiniteQueryOptions(dashboardListInput({}), {
        getNextPageParam: nextProjectCursor,
      }),
    );
  }

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <main className="page">
        <header className="page__header">
          <div>
            <h1>Aura Data</h1>
            <p className="muted">Persistence service of Aura Video Studio</p>
            <p className="whoami">
              Signed in as <strong>{principal.displayName}</strong> ({principal.email},{' '}
              {principal.role}) <SignOutButton />
            </p>
            {principal.role === 'admin' && (
              <nav aria-label="Admin" className="page__nav">
                <Link href="/import">Import a .NET Aura database</Link>
              </nav>
            )}
          </div>
          <div className="page__badges">
            <HealthBadge />
            {ready && <WorkerBadge />}
          </div>
        </header>
        {ready ? (
          <>
            <ProjectDashboard statuses={PROJECT_STATUSES} />
            <MaintenancePanel />
          </>
        ) : (
          <section className="card notice" role="alert">
            <h2>The database is not ready</h2>
            {!health.database.reachable ? (
              <p>
                Cannot open <code>{health.database.path ?? 'the database'}</code>:{' '}
                {health.database.error}
              </p>
            ) : health.migrations.error ? (
              <p>Cannot read the migrations: {health.migrations.error}</p>
            ) : (
              <>
                <p>
                  {health.migrations.pending.length} migration
                  {health.migrations.pending.length === 1 ? ' is' : 's are'} not applied to{' '}
                  <code>{health.database.path ?? 'the database'}</code>.
                </p>
                <p>
                  Run <code>pnpm db:migrate</code> and reload this page.
                </p>
              </>
            )}
          </section>
        )}
      </main>
    </HydrationBoundary>
  );
}
