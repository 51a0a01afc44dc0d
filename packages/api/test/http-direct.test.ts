/**
 * The direct path of the HTTP handler (src/http/direct.ts) against tRPC's own adapter: the same
 * requests, sent to two servers on two identical copies of one database, get the same status,
 * content type, session cookie and body (ids, times and request ids aside). Reads, writes,
 * batches, every error the direct path formats itself, and the requests it hands to tRPC.
 */
import { copyFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type AuraDb } from '@aura/db';
import { MAX_BATCH_CALLS } from '../src/client';
import { createApiRequestHandler } from '../src/http/node';
import { insertProject, openTestDb, TEST_PASSWORD, type TestDb } from './helpers';

interface Site {
  db: AuraDb;
  server: Server;
  base: string;
}

async function serve(file: string, direct: boolean): Promise<Site> {
  const db = openDatabase(file);
  const handler = createApiRequestHandler({ db, direct });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { db, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Request {
  path: string;
  method?: 'GET' | 'POST' | 'HEAD' | 'PUT';
  body?: string;
  headers?: Record<string, string>;
}

interface Answer {
  /** Which path answered: the direct one sends a Content-Length, tRPC's adapter streams chunks. */
  direct: boolean;
  status: number;
  contentType: string | null;
  cookie: string | null;
  body: string;
}

/** Ids, timestamps, tokens and request ids differ between the two copies; the rest may not. */
function normalise(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
    .replace(/aura_session=[^;]+/g, 'aura_session=<token>');
}

async function send(site: Site, request: Request): Promise<Answer> {
  const response = await fetch(`${site.base}/api/trpc/${request.path}`, {
    method: request.method ?? 'GET',
    body: request.body,
    headers: request.headers,
  });
  return {
    direct: response.headers.has('content-length'),
    status: response.status,
    contentType: response.headers.get('content-type'),
    cookie: response.headers.get('set-cookie') && normalise(response.headers.get('set-cookie')!),
    body: normalise(await response.text()),
  };
}

const json = { 'content-type': 'application/json' };
const input = (value: unknown) => `input=${encodeURIComponent(JSON.stringify(value))}`;

describe('the direct path answers as tRPC does', () => {
  let t: TestDb;
  let direct: Site;
  let reference: Site;
  let projectId: string;
  const bearer: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    t = openTestDb();
    for (const role of ['admin', 'editor', 'viewer'] as const) {
      const { token } = await t.as(role).auth.tokens.create({ name: 'direct' });
      bearer[role] = { authorization: `Bearer ${token}` };
    }
    projectId = insertProject(t.db, { title: 'Alpine lakes' }).id;
    await t.caller.scenes.add({ projectId, scriptText: 'Lake Geneva at dawn.' });
    t.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const copy = path.join(t.dir, 'reference.db');
    copyFileSync(t.file, copy);
    direct = await serve(t.file, true);
    reference = await serve(copy, false);
  });

  afterAll(async () => {
    for (const site of [direct, reference] as (Site | undefined)[]) {
      if (!site) continue;
      site.server.closeAllConnections();
      await new Promise((resolve) => site.server.close(resolve));
      site.db.$client.close();
    }
    t.close();
  });

  /** Sends the request to both servers, in order, and expects the same answer. */
  async function same(request: Request): Promise<Answer> {
    const { direct: _viaReference, ...expected } = await send(reference, request);
    const answer = await send(direct, request);
    const { direct: _viaDirect, ...actual } = answer;
    expect(actual, `${request.method ?? 'GET'} ${request.path}`).toEqual(expected);
    return answer;
  }

  it('reads: public, signed in, anonymous, not found, bad input', async () => {
    const health = await same({ path: 'health.get' });
    expect(health).toMatchObject({ status: 200, direct: true });
    expect((await same({ path: 'projects.list', headers: bearer.viewer })).status).toBe(200);
    expect((await same({ path: 'projects.list' })).status).toBe(401);
    const get = await same({
      path: `projects.get?${input({ id: projectId })}`,
      headers: bearer.viewer,
    });
    expect(get.body).toContain('Lake Geneva at dawn.');
    const missing = `projects.get?${input({ id: '00000000-0000-4000-8000-000000000000' })}`;
    expect((await same({ path: missing, headers: bearer.viewer })).status).toBe(404);
    const bad = await same({ path: `projects.get?${input({ id: 5 })}`, headers: bearer.viewer });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('fieldErrors');
    expect(
      (await same({ path: `projects.list?${input({ limit: 'many' })}`, headers: bearer.viewer }))
        .status,
    ).toBe(400);
    // A query's input by POST (the client's method override for long inputs).
    const override = await same({
      path: 'projects.get',
      method: 'POST',
      body: JSON.stringify({ id: projectId }),
      headers: { ...json, ...bearer.viewer },
    });
    expect(override).toMatchObject({ status: 200, direct: true });
  });

  it('batches: all succeed, some fail (207), inputs by index', async () => {
    const ok = await same({
      path: `health.get,projects.get?batch=1&${input({ 1: { id: projectId } })}`,
      headers: bearer.viewer,
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toHaveLength(2);
    const mixed = await same({
      path: `health.get,projects.list?batch=1&${input({})}`,
    });
    expect(mixed.status).toBe(207);
    const none = await same({ path: `projects.list,auth.me?batch=1`, headers: bearer.editor });
    expect(none.status).toBe(200);
  });

  it('writes: created, forbidden, conflict, bad input; the two copies stay alike', async () => {
    const create = (headers: Record<string, string>, body: unknown) =>
      same({
        path: 'projects.create',
        method: 'POST',
        body: JSON.stringify(body),
        headers: { ...json, ...headers },
      });
    expect((await create(bearer.editor!, { title: 'Fjords' })).status).toBe(200);
    expect((await create(bearer.viewer!, { title: 'Fjords' })).status).toBe(403);
    expect((await create({}, { title: 'Fjords' })).status).toBe(401);
    expect((await create(bearer.editor!, { title: '' })).status).toBe(400);
    const stale = await same({
      path: 'projects.update',
      method: 'POST',
      body: JSON.stringify({ id: projectId, rowVersion: 999, title: 'Stale' }),
      headers: { ...json, ...bearer.editor },
    });
    expect(stale.status).toBe(409);
    const batch = await same({
      path: 'projects.create,projects.create?batch=1',
      method: 'POST',
      body: JSON.stringify({ 0: { title: 'One' }, 1: { title: '' } }),
      headers: { ...json, ...bearer.editor },
    });
    expect(batch).toMatchObject({ status: 207, direct: true });
    const titles = (site: Site) =>
      site.db.$client.prepare('SELECT Title FROM ProjectStates ORDER BY Title').pluck().all();
    expect(titles(direct)).toEqual(titles(reference));
    expect(titles(direct)).toEqual(['Alpine lakes', 'Fjords', 'One']);
  });

  it('login and logout set and clear the session cookie alike', async () => {
    const login = await same({
      path: 'auth.login',
      method: 'POST',
      body: JSON.stringify({ email: 'viewer@test.local', password: TEST_PASSWORD }),
      headers: json,
    });
    expect(login.status).toBe(200);
    expect(login.cookie).toMatch(/^aura_session=<token>; .*HttpOnly/i);
    const wrong = await same({
      path: 'auth.login',
      method: 'POST',
      body: JSON.stringify({ email: 'viewer@test.local', password: 'not it' }),
      headers: json,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.cookie).toBeNull();
    const logout = await same({ path: 'auth.logout', method: 'POST', body: '{}', headers: json });
    expect(logout.cookie).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
  });

  it('hands everything else to tRPC: the same errors as before', async () => {
    const cases: Request[] = [
      { path: 'no.such.procedure' },
      { path: 'projects.create', headers: bearer.editor },
      { path: 'projects.get?input=%7Bnot-json' },
      { path: 'projects.get?batch=1&input=5', headers: bearer.viewer },
      { path: 'projects.list,projects.create?batch=1', method: 'POST', body: '{}', headers: json },
      { path: 'projects.create', method: 'POST', body: 'title=x', headers: bearer.editor },
      { path: 'projects.create', method: 'POST', body: '', headers: { ...json, ...bearer.editor } },
      { path: 'projects.create', method: 'PUT', body: '{}', headers: json },
      { path: 'health.get', method: 'HEAD' },
      { path: '%E0%A4%A' },
      {
        path: `${Array(MAX_BATCH_CALLS + 1)
          .fill('health.get')
          .join(',')}?batch=1`,
      },
    ];
    for (const request of cases) {
      const answer = await same(request);
      expect(answer.direct, request.path).toBe(false);
      expect(answer.status, request.path).toBeGreaterThanOrEqual(204);
      expect(answer.status, request.path).toBeLessThan(500);
    }
    // The streamed batch format of httpBatchStreamLink, asked for either way.
    const streamAsks: Record<string, string>[] = [
      { 'trpc-accept': 'application/jsonl' },
      { accept: 'application/jsonl' },
    ];
    for (const headers of streamAsks) {
      const streamed = await same({ path: 'health.get,health.get?batch=1', headers });
      expect(streamed).toMatchObject({ status: 200, direct: false });
    }
  });
});
