import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuraClient, type AppRouter } from '@aura/api/client';
import { createApiToken, createUser } from '@aura/api';
import { applyMigrations, createDb, insertAudited, openSqlite, projectStates } from '@aura/db';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * End to end: the BUILT Next.js server as a separate process on a temporary database, called
 * over HTTP with the typed client the worker uses, and the dashboard HTML fetched like a browser.
 */
const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hasBuild = existsSync(path.join(appDir, '.next', 'BUILD_ID'));
if (!hasBuild) {
  console.warn(
    '[web http test] SKIPPED: apps/web/.next/BUILD_ID is missing. Run `pnpm --filter @aura/web build` first.',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

describe.skipIf(!hasBuild)('web server over HTTP', () => {
  let dir: string;
  let dbFile: string;
  let server: ChildProcess | undefined;
  let output = '';
  let baseUrl: string;
  const titles = { first: 'Spring campaign teaser', second: 'Onboarding walkthrough' };
  const editor = { email: 'editor@test.local', password: 'correct horse battery staple' };
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aura-web-'));
    dbFile = path.join(dir, 'aura.db');
    const sqlite = openSqlite(dbFile);
    applyMigrations(sqlite);
    const db = createDb(sqlite);
    insertAudited(
      db,
      projectStates,
      { title: titles.first, description: 'Thirty seconds' },
      'tester',
    );
    // A later UpdatedAt than the first, so it lists first.
    await new Promise((r) => setTimeout(r, 5));
    insertAudited(
      db,
      projectStates,
      { title: titles.second, status: 'Completed', currentStage: 'Render', progressPercent: 100 },
      'tester',
    );
    const { user } = await createUser(db, null, { ...editor, role: 'editor' });
    token = createApiToken(db, user.id, {
      userId: user.id,
      name: 'http test',
      expiresInDays: 1,
    }).token;
    sqlite.close();

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(
      path.join(appDir, 'node_modules', '.bin', 'next'),
      ['start', '-p', String(port), '-H', '127.0.0.1'],
      {
        cwd: appDir,
        env: {
          ...process.env,
          AURA_DB_PATH: dbFile,
          NODE_ENV: 'production',
          NEXT_TELEMETRY_DISABLED: '1',
        },
        // Own process group, so afterAll stops the server and anything it started.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) {
        throw new Error(`next start exited with ${server.exitCode}:\n${output}`);
      }
      try {
        const response = await fetch(`${baseUrl}/api/trpc/health.get`);
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`next start did not become ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 90_000);

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null && server.signalCode === null)
        process.kill(-server.pid, 'SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('lists the projects through the typed client', async () => {
    const client = createAuraClient({ url: `${baseUrl}/api/trpc`, token });
    const page = await client.projects.list.query({});
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((item) => item.title)).toEqual([titles.second, titles.first]);
    expect(page.items[0]).toMatchObject({
      status: 'Completed',
      currentStage: 'Render',
      progressPercent: 100,
      rowVersion: 1,
    });

    const completed = await client.projects.list.query({ status: 'Completed' });
    expect(completed.items.map((item) => item.title)).toEqual([titles.second]);

    const searched = await client.projects.list.query({ search: 'thirty' });
    expect(searched.items.map((item) => item.title)).toEqual([titles.first]);
  });

  it('reports health through the typed client: status only in public, details when signed in', async () => {
    const anonymous = await createAuraClient({ url: `${baseUrl}/api/trpc` }).health.get.query();
    expect(anonymous).toEqual({ ok: true, status: 'ok', checkedAt: expect.any(String) });
    expect(JSON.stringify(anonymous)).not.toContain(dir);

    const health = await createAuraClient({
      url: `${baseUrl}/api/trpc`,
      token,
    }).health.details.query();
    expect(health.database.path).toBeNull();
    expect(health.database.sizeBytes).toBeGreaterThan(0);
    expect(health.migrations.upToDate).toBe(true);
    expect(health.migrations.pending).toEqual([]);
  });

  it('refuses a call without a valid token with UNAUTHORIZED', async () => {
    for (const client of [
      createAuraClient({ url: `${baseUrl}/api/trpc` }),
      createAuraClient({ url: `${baseUrl}/api/trpc`, token: 'aura_pat_forged' }),
    ]) {
      const error = await client.projects.list.query({}).catch((e: unknown) => e);
      expect((error as TRPCClientError<AppRouter>).data?.code).toBe('UNAUTHORIZED');
    }
  });

  it('answers bad input with BAD_REQUEST and the field', async () => {
    const client = createAuraClient({ url: `${baseUrl}/api/trpc`, token });
    const error = await client.projects.list.query({ limit: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    // The error shape is typed end to end, including the formatter's zodError.
    const data = (error as TRPCClientError<AppRouter>).data;
    expect(data?.code).toBe('BAD_REQUEST');
    expect(data?.httpStatus).toBe(400);
    expect(data?.zodError?.fieldErrors.limit?.length).toBeGreaterThan(0);
  });

  it('sends a visitor without a session to the login page', async () => {
    const response = await fetch(`${baseUrl}/`, { redirect: 'manual' });
    expect([303, 307, 308]).toContain(response.status);
    expect(response.headers.get('location')).toMatch(/\/login$/);
    const login = await fetch(`${baseUrl}/login`);
    expect(await login.text()).toContain('Sign in');
  });

  it('logs in with a session cookie and server-renders the dashboard with the projects', async () => {
    const wrong = await fetch(`${baseUrl}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: editor.email, password: 'wrong password' } }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const login = await fetch(`${baseUrl}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: editor }),
    });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^aura_session=aura_ses_[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/,
    );
    const cookie = setCookie.split(';')[0]!;

    const response = await fetch(`${baseUrl}/`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Aura Data');
    expect(html).toContain(titles.first);
    expect(html).toContain(titles.second);
    expect(html).toContain('Migrations up to date');
    expect(html).not.toContain('No projects yet');
    expect(html).toContain(editor.email);
  });
});
