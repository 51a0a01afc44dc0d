'use client';

export default function DashboardError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <main className="page">
      <header className="page__header">
        <h1>Aura Data</h1>
      </header>
      <section className="card notice" role="alert">
        <h2>Something went wrong</h2>
        <p>{error.message || 'The dashboard could not be loaded.'}</p>
        {error.digest && <p className="muted">Reference: {error.digest}</p>}
        <button type="button" className="button" onClick={reset}>
          Try again
        </button>
      </section>
    </main>
  );
}
