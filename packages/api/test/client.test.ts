import { readFileSync } from 'node:fs';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appRouter, createApiToken, createRequestContext } from '../src';
import { createAuraClient } from '../src/client';
import { insertProject, openTestDb, type TestDb } from './helpers';

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

describe('createAuraClient', () => {
  it('imports nothing from the server or the database at runtime', () => {
    const source = readFileSync(new URL('../src/client.ts', import.meta.url), 'utf8');
    const runtimeImports = [...source.matchAll(/^import (?!type )[^'"]*['"]([^'"]+)['"]/gm)].map(
      (m) => m[1],
    );
    expect(runtimeImports.sort()).toEqual(['@trpc/client', 'superjson']);
  });

  it('calls procedures over HTTP with superjson and sends the bearer token', async () => {
    insertProject(t.db, { title: 'Over the wire' });
    const viewer = t.principal('viewer');
    const { token } = createApiToken(t.db, viewer.userId, {
      userId: viewer.userId,
      name: 'test',
      expiresInDays: 1,
    });
    const seen: (string | null)[] = [];
    const client = createAuraClient({
      url: 'http://aura.test/api/trpc',
      token,
      fetch: async (input, init) => {
        const req = new Request(input, init);
        seen.push(req.headers.get('authorization'));
        return fetchRequestHandler({
          endpoint: '/api/trpc',
          req,
          router: appRouter,
          createContext: () => createRequestContext({ db: t.db, headers: req.headers }),
        });
      },
    });
    const [page, health] = await Promise.all([
      client.projects.list.query({ limit: 5 }),
      client.health.get.query(),
    ]);
    expect(page.items.map((i) => i.title)).toEqual(['Over the wire']);
    expect(health.migrations.upToDate).toBe(true);
    // Both calls went out in one batched request.
    expect(seen).toEqual([`Bearer ${token}`]);
  });
});
