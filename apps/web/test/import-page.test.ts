import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuraClient, type AppRouter } from '@aura/api/client';
import { createApiToken, createUser } from '@aura/api/testing';
import { applyMigrations, createDb, openSqlite } from '@aura/db';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileDigest, makeLegacyDb } from '../../../packages/api/test/legacy/fixture';
import { hasBuild, startWebServer, type WebServer } from './web-server';

/**
 * The legacy import page and its procedure, end to end: the built app on a temporary
 * installation, a legacy file generated into its media root.
 */
const built = hasBuild();
if (!built) {
  console.warn(
    '[web import test] SKIPPED: apps/web/.next/BUILD_ID or packages/api/dist is missing. Run `pnpm --filter @aura/web... build` first.',
  );
}

describe.skipIf(!built)('legacy import page over HTTP', () => {
  let dir: string;
  let server: WebServer | undefined;
  let legacyFile: string;
  const admin = { email: 'admin@test.local', password: 'correct horse battery staple' };
  const viewer = { email: 'viewer@test.local', password: 'another correct horse battery' };
  let adminToken: string;
  let viewerToken: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aura-web-import-'));
    const dbFile = path.join(dir, 'aura.db');
    const sqlite = openSqlite(dbFile);
    applyMigrations(sqlite);
    const db = createDb(sqlite);
    const { user: adminUser } = await createUser(db, null, { ...admin, role: 'admin' });
    const { user: viewerUser } = await createUser(db, null, { ...viewer, role: 'viewer' });
    const token = (userId: string) =>
      createApiToken(db, userId, { userId, name: 'import test', expiresInDays: 1 }).token;
    adminToken = token(adminUser.id);
    viewerToken = token(viewerUser.id);
    sqlite.close();

    // The installation's default media root: `media` beside the database.
    const media = path.join(dir, 'media');
    mkdirSync(media);
    legacyFile = makeLegacyDb(media, { seed: 7, journalMode: 'wal' });

    server = await startWebServer(dbFile);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  const baseUrl = () => server?.baseUrl ?? '';
  const client = (token: string) => createAuraClient({ url: `${baseUrl()}/api/trpc`, token });

  async function sessionCookie(account: { email: string; password: string }): Promise<string> {
    const login = await fetch(`${baseUrl()}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    expect(login.status).toBe(200);
    return (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }

  it('sends a visitor without a session to the login page', async () => {
    const response = await fetch(`${baseUrl()}/import`, { redirect: 'manual' });
    expect([303, 307, 308]).toContain(response.status);
    expect(response.headers.get('location')).toMatch(/\/login$/);
  });

  it('shows an admin the form, and the link to it on the dashboard', async () => {
    const cookie = await sessionCookie(admin);
    const page = await fetch(`${baseUrl()}/import`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Import a .NET Aura database');
    expect(html).toContain('Path to the legacy aura.db');
    expect(html).toMatch(/<input[^>]*name="path"/);
    expect(html).toMatch(/<input[^>]*name="ownerEmail"/);
    expect(html).toContain('Dry run');
    expect(html).toContain('inside a media root');
    expect(html).not.toContain('Only an admin may import');

    const home = await (await fetch(`${baseUrl()}/`, { headers: { cookie } })).text();
    expect(home).toContain('href="/import"');
  });

  it('tells a viewer that only an admin may import, and shows no form or link', async () => {
    const cookie = await sessionCookie(viewer);
    const html = await (await fetch(`${baseUrl()}/import`, { headers: { cookie } })).text();
    expect(html).toContain('Only an admin may import');
    expect(html).not.toMatch(/<input[^>]*name="path"/);

    const home = await (await fetch(`${baseUrl()}/`, { headers: { cookie } })).text();
    expect(home).not.toContain('href="/import"');

    const error = await client(viewerToken)
      .legacy.import.mutate({ path: legacyFile, dryRun: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data?.code).toBe('FORBIDDEN');
  });

  it('refuses a path outside the media roots with a field error on path', async () => {
    const error = await client(adminToken)
      .legacy.import.mutate({ path: path.join(dir, 'aura.db'), dryRun: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<AppRouter>).data;
    expect(data?.code).toBe('BAD_REQUEST');
    expect(data?.zodError?.fieldErrors.path?.length).toBeGreaterThan(0);
  });

  it('dry-runs (writing nothing), then imports the same file; the source is unchanged', async () => {
    const api = client(adminToken);
    const before = fileDigest(legacyFile);

    const dry = await api.legacy.import.mutate({ path: legacyFile, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.owner.email).toBe(admin.email);
    expect(dry.importedRows).toBeGreaterThan(0);
    expect(dry.nothingNew).toBe(false);
    expect(dry.tables.some((t) => t.targetTable === 'ProjectStates' && t.imported > 0)).toBe(true);
    expect(dry.conversions.length).toBeGreaterThan(0);
    expect(dry.legacyOnlyTables.length).toBeGreaterThan(0);
    expect((await api.projects.list.query({})).items).toEqual([]);

    const done = await api.legacy.import.mutate({ path: legacyFile, dryRun: false });
    expect(done.dryRun).toBe(false);
    expect(done.importedRows).toBe(dry.importedRows);
    expect(done.tables.map((t) => [t.legacyTable, t.imported, t.skipped])).toEqual(
      dry.tables.map((t) => [t.legacyTable, t.imported, t.skipped]),
    );
    expect((await api.projects.list.query({})).items.length).toBeGreaterThan(0);
    // Keys only, never a value.
    for (const secret of done.secretsEncrypted)
      expect(Object.keys(secret)).toEqual(['source', 'key']);

    const again = await api.legacy.import.mutate({ path: legacyFile, dryRun: true });
    expect(again.nothingNew).toBe(true);
    expect(again.importedRows).toBe(0);
    expect(fileDigest(legacyFile)).toBe(before);
  }, 60_000);
});
