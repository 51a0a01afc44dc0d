import { readFileSync } from 'node:fs';
import { TRPCClientError } from '@trpc/client';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/auth/service';
import { createRequestContext } from '../src/context';
import { appRouter } from '../src/root';
import { AuraHttpError, MAX_BATCH_CALLS, MAX_URL_LENGTH, createAuraClient } from '../src/client';
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
    expect(runtimeImports.sort()).toEqual(['@trpc/client']);
  });

  it('calls procedures over HTTP as plain JSON and sends the bearer token', async () => {
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
    expect(health.status).toBe('ok');
    // Both calls went out in one batched request.
    expect(seen).toEqual([`Bearer ${token}`]);
  });

  /** The client over an in-process handler configured like the web route; records each request. */
  function recordingClient(token?: string) {
    const requests: { method: string; url: string; calls: number }[] = [];
    const client = createAuraClient({
      url: 'http://aura.test/api/trpc',
      token,
      fetch: async (input, init) => {
        const req = new Request(input, init);
        const url = new URL(req.url);
        const calls = url.pathname.split('/').pop()!.split(',').length;
        requests.push({ method: req.method, url: req.url, calls });
        return fetchRequestHandler({
          endpoint: '/api/trpc',
          req,
          router: appRouter,
          allowMethodOverride: true,
          maxBatchSize: MAX_BATCH_CALLS,
          createContext: () => createRequestContext({ db: t.db, headers: req.headers }),
        });
      },
    });
    return { client, requests };
  }

  it('keeps batched URLs short and batches small, and sends a large query input by POST', async () => {
    insertProject(t.db, { title: 'Wide' });
    const viewer = t.principal('viewer');
    const { token } = createApiToken(t.db, viewer.userId, {
      userId: viewer.userId,
      name: 'test',
      expiresInDays: 1,
    });
    const { client, requests } = recordingClient(token);
    const pages = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        client.projects.list.query({ search: `w${i}`.padEnd(40, 'i') }),
      ),
    );
    expect(pages).toHaveLength(45);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const r of requests) {
      expect(r.method).toBe('GET');
      expect(r.url.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
      expect(r.calls).toBeLessThanOrEqual(MAX_BATCH_CALLS);
    }

    requests.length = 0;
    const wide = 'é'.repeat(200);
    const page = await client.projects.list.query({ search: wide });
    expect(page.items).toEqual([]);
    expect(requests).toEqual([expect.objectContaining({ method: 'POST' })]);
    expect(requests[0]!.url.length).toBeLessThan(200);
  });

  it('turns a non-JSON answer (431, 502 page, empty body) into a clear error naming the status', async () => {
    for (const [status, body] of [
      [431, ''],
      [502, '<html><body><h1>502 Bad Gateway</h1></body></html>'],
      [413, 'Payload Too Large'],
    ] as const) {
      const client = createAuraClient({
        url: 'http://aura.test/api/trpc',
        fetch: () =>
          Promise.resolve(new Response(body, { status, headers: { 'content-type': 'text/html' } })),
      });
      const error = await client.health.get.query().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCClientError);
      expect((error as Error).message).toContain(`HTTP ${status}`);
      expect((error as Error).message).not.toMatch(/JSON input/);
      expect((error as TRPCClientError<never>).cause).toBeInstanceOf(AuraHttpError);
      expect(((error as TRPCClientError<never>).cause as AuraHttpError).status).toBe(status);
    }
  });
});
