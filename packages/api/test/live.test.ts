import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type AuraDb } from '@aura/db';
import { createApiRequestHandler } from '../src/http/node';
import { ChangeFeed, type LiveEvent } from '../src/live/feed';
import { openSubscriptions } from '../src/live/router';
import { insertProject, openTestDb, type TestDb } from './helpers';

/** better-sqlite3 as another process loads it (the test's own resolution). */
const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');

/** Runs SQL against the file from a separate Node process, as the worker would write. */
function writeFromAnotherProcess(file: string, sql: string): void {
  const script = `const D = require(${JSON.stringify(betterSqlite)});
    const db = new D(process.argv[1]); db.pragma('busy_timeout = 5000');
    db.exec(process.argv[2]); db.close();`;
  execFileSync(process.execPath, ['-e', script, file, sql], { stdio: 'inherit' });
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the change feed', () => {
  let t: TestDb;
  let feed: ChangeFeed;
  const events: LiveEvent[] = [];
  let stop: () => void = () => undefined;

  beforeAll(() => {
    t = openTestDb();
    feed = new ChangeFeed(t.db.$client, 50);
    stop = feed.subscribe((event) => events.push(event));
  });
  afterAll(() => {
    stop();
    t.close();
  });
  afterEach(() => {
    events.length = 0;
  });

  it('costs one pragma read per tick while nothing changes', async () => {
    const before = feed.scans;
    await wait(300);
    expect(feed.scans).toBe(before);
    expect(events).toEqual([]);
  });

  it('names the topic a write of this process changed', async () => {
    insertProject(t.db, { title: 'Live one' });
    await wait(200);
    expect(events.flatMap((e) => e.topics)).toEqual(['projects']);
  });

  it('sees a write by another process (data_version) and names only its topic', async () => {
    const project = insertProject(t.db, { title: 'Live two' });
    await wait(200);
    events.length = 0;
    writeFromAnotherProcess(
      t.file,
      `UPDATE SceneStates SET ScriptText = 'x' WHERE 0;
       UPDATE ProjectStates SET Title = 'Renamed elsewhere', RowVersion = RowVersion + 1
       WHERE Id = '${project.id}'`,
    );
    await wait(200);
    expect(events.flatMap((e) => e.topics)).toEqual(['projects']);
  });

  it('sends export progress as data without the exports topic', async () => {
    const editor = t.principal('editor');
    await wait(200);
    events.length = 0;
    const id = '019a0000-0000-7000-8000-00000000e001';
    writeFromAnotherProcess(
      t.file,
      `INSERT INTO ExportHistory (Id, InputFile, OutputFile, PresetName, Status, Progress,
         CreatedBy, ModifiedBy) VALUES ('${id}', '/in.mp4', '/out.mp4', 'YouTube 1080p',
         'InProgress', 10, '${editor.userId}', '${editor.userId}')`,
    );
    await wait(200);
    expect(events.flatMap((e) => e.topics)).toEqual(['exports']);
    expect(events.at(-1)?.exports).toEqual([{ id, status: 'InProgress', progress: 10 }]);
    events.length = 0;
    writeFromAnotherProcess(
      t.file,
      `UPDATE ExportHistory SET Progress = 55, RowVersion = RowVersion + 1 WHERE Id = '${id}'`,
    );
    await wait(200);
    expect(events).toHaveLength(1);
    expect(events[0]?.topics).toEqual([]);
    expect(events[0]?.exports).toEqual([{ id, status: 'InProgress', progress: 55 }]);
  });
});

/** One server-sent-events stream, read event by event. */
interface Stream {
  status: number;
  body: string;
  events: { event: string; data: unknown }[];
  close: () => void;
  next: (predicate: (data: LiveEvent) => boolean, timeoutMs?: number) => Promise<LiveEvent>;
  /** The error the stream ended with (tRPC sends it as a `serialized-error` event). */
  error: () => Promise<{ message: string; data: { code: string } }>;
}

async function openStream(base: string, token: string | null): Promise<Stream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/api/trpc/live.changes`, {
    headers,
    signal: controller.signal,
  });
  const stream: Stream = {
    status: response.status,
    body: '',
    events: [],
    close: () => controller.abort(),
    next: async (predicate, timeoutMs = 2000) => {
      const deadline = Date.now() + timeoutMs;
      let seen = 0;
      while (Date.now() < deadline) {
        for (; seen < stream.events.length; seen++) {
          const item = stream.events[seen];
          if (item?.event === '' && isLive(item.data) && predicate(item.data)) {
            return item.data;
          }
        }
        await wait(10);
      }
      throw new Error(`no matching event within ${timeoutMs} ms: ${stream.body.slice(-500)}`);
    },
    error: async () => {
      for (let i = 0; i < 200; i++) {
        const found = stream.events.find((item) => item.event === 'serialized-error');
        if (found) return found.data as { message: string; data: { code: string } };
        await wait(10);
      }
      throw new Error(`no error event: ${stream.body.slice(-500)}`);
    },
  };
  if (!response.headers.get('content-type')?.includes('text/event-stream')) {
    stream.body = await response.text();
    return stream;
  }
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        if (!reader) return;
        const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
        if (done || !value) return;
        const text = decoder.decode(value, { stream: true });
        stream.body += text;
        buffer += text;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = '';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (data) stream.events.push({ event, data: JSON.parse(data) as unknown });
        }
      }
    } catch {
      // Aborted by the test.
    }
  })();
  return stream;
}

function isLive(value: unknown): value is LiveEvent {
  return typeof value === 'object' && value !== null && Array.isArray((value as LiveEvent).topics);
}

describe('live.changes over HTTP (server-sent events)', () => {
  let t: TestDb;
  let db: AuraDb;
  let server: Server;
  let base = '';
  let token = '';
  let viewerToken = '';
  const streams: Stream[] = [];
  const open = async (who: string | null) => {
    const stream = await openStream(base, who);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    t = openTestDb();
    token = (await t.as('editor').auth.tokens.create({ name: 'live' })).token;
    viewerToken = (await t.as('viewer').auth.tokens.create({ name: 'live' })).token;
    // The server's own connection, as apps/web/server.mjs opens one.
    db = openDatabase(t.file);
    const handler = createApiRequestHandler({ db });
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    delete process.env.AURA_LIVE_MAX_PER_USER;
    delete process.env.AURA_LIVE_MAX_TOTAL;
    // Every slot comes back once the streams are gone.
    for (let i = 0; i < 100 && openSubscriptions().total > 0; i++) await wait(20);
    expect(openSubscriptions()).toEqual({ total: 0, principals: 0 });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    db.$client.close();
    t.close();
  });

  it('refuses an anonymous caller with UNAUTHORIZED and a bad token likewise', async () => {
    for (const credential of [null, 'aura_pat_not-a-real-token']) {
      const stream = await open(credential);
      const error = await stream.error();
      expect(error.data.code).toBe('UNAUTHORIZED');
      expect(stream.events.filter((e) => e.event === '')).toEqual([]);
    }
    expect(openSubscriptions().total).toBe(0);
  });

  it('delivers a write made by another process within a second', async () => {
    const stream = await open(viewerToken);
    expect(stream.status).toBe(200);
    await stream.next((e) => e.topics.length === 0);
    const project = insertProject(t.db, { title: 'Seen live' });
    await stream.next((e) => e.topics.includes('projects'));
    const started = Date.now();
    writeFromAnotherProcess(
      t.file,
      `UPDATE ProjectStates SET Title = 'Changed by another process', RowVersion = RowVersion + 1
       WHERE Id = '${project.id}'`,
    );
    const event = await stream.next((e) => e.topics.includes('projects'), 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(Date.parse(event.at)).not.toBeNaN();
  });

  it('caps open subscriptions per user and in total, with a clear error', async () => {
    process.env.AURA_LIVE_MAX_PER_USER = '2';
    process.env.AURA_LIVE_MAX_TOTAL = '3';
    const first = await open(token);
    const second = await open(token);
    await first.next(() => true);
    await second.next(() => true);
    const third = await open(token);
    expect((await third.error()).data.code).toBe('TOO_MANY_REQUESTS');
    expect((await third.error()).message).toContain('At most 2 live connections per user');
    // Another user still gets one, up to the server's total.
    const viewer = await open(viewerToken);
    await viewer.next(() => true);
    const over = await open(viewerToken);
    expect((await over.error()).message).toContain('already serves 3 live connections');
    expect(openSubscriptions().total).toBe(3);
    // A closed stream gives its slot back.
    first.close();
    for (let i = 0; i < 100 && openSubscriptions().total > 2; i++) await wait(20);
    const again = await open(token);
    await again.next(() => true);
    expect(again.events.some((e) => e.event === 'serialized-error')).toBe(false);
  });

  it('shares one feed: many subscribers do not multiply the reads', async () => {
    process.env.AURA_LIVE_MAX_PER_USER = '50';
    const many = await Promise.all(Array.from({ length: 20 }, () => open(token)));
    await Promise.all(many.map((s) => s.next(() => true)));
    insertProject(t.db, { title: 'For everyone' });
    await Promise.all(many.map((s) => s.next((e) => e.topics.includes('projects'))));
    expect(openSubscriptions().total).toBe(20);
  });
});
