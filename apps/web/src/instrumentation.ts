/**
 * Runs once when the server starts: on the very first start (no users yet) creates the first
 * admin and prints its credentials once (they are also in a 0600 file in the data directory).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { ensureInitialAdmin } = await import('@aura/api');
  const { getDb } = await import('./server/db');
  try {
    const created = await ensureInitialAdmin(getDb());
    if (created) {
      console.log(
        [
          '',
          '================ Aura Data: first start ================',
          'An administrator was created. Sign in to the dashboard with:',
          `  email:    ${created.email}`,
          `  password: ${created.password}`,
          `(also written to ${created.file}, readable only by you; delete it once noted)`,
          '=========================================================',
          '',
        ].join('\n'),
      );
    }
  } catch (error) {
    console.error(
      'Aura Data: could not check for the first admin (is the database migrated? run `pnpm db:migrate`):',
      error instanceof Error ? error.message : error,
    );
  }
}
