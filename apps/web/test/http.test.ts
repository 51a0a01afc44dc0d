import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuraClient, type AppRouter } from '@aura/api/client';
import { createApiToken, createUser } from '@aura/api/testing';
import { applyMigrations, createDb, insertAudited, openSqlite, projectStates } from '@aura/db';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDir, appDir, freePort, hasBuild, stillRunning } from './web-server';

/**
 * End to end: the BUILT Next.js app, started by its production server (server.mjs) as a separate
 * process on a temporary database, called over HTTP with the typed client the worker uses, and the
 * dashboard HTML fetched like a browser.
 */
const built = hasBuild();
if (!built) {
  console.warn(
    '[web http test] SKIPPED: apps/web/.next/BUILD_ID or packages/api/dist is missing. Run `pnpm --filter @aura/web... build` first.',
  );
}

describe.skipIf(!built)('web server over HTTP', () => {
  let dir: string;
  let dbFile: string;
  let server: ChildProcess | undefined;
  let output = '';
  let baseUrl: string;
  const titles = { first: 'Spring campaign teaser', second: 'Onboarding walkthrough' };
  const editor = { email: 'editor@test.local', password: 'correct horse battery staple' };
  const flooded = { email: 'flooded@test.local', password: 'another correct horse battery' };
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
    await createUser(db, null, { ...flooded, role: 'viewer' });
    sqlite.close();

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [path.join(appDir, 'server.mjs')], {
      cwd: appDir,
      env: {
        ...process.env,
        AURA_DB_PATH: dbFile,
        AURA_WEB_PORT: String(port),
        AURA_WEB_HOST: '127.0.0.1',
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        // No proxy in front: the login throttle goes by the socket address, whatever is sent.
        AURA_TRUST_PROXY: '0',
      },
      // Own process group, so afterAll stops the server and anything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) {
        throw new Error(`the web server exited with ${server.exitCode}:\n${output}`);
      }
      try {
        const response = await fetch(`${baseUrl}/api/trpc/health.get`);
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the web server did not become ready:\n${output}`);
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
      if (stillRunning(server)) process.kill(-server.pid, 'SIGKILL');
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
      body: JSON.stringify({ email: editor.email, password: 'wrong password' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const login = await fetch(`${baseUrl}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(editor),
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

  const trpcUrl = () => `${baseUrl}/api/trpc`;
  const post = (procedure: string, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${trpcUrl()}/${procedure}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      // A stream body needs half duplex.
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    });
  interface ErrorBody {
    error: { message: string; data: { code: string } };
  }
  const errorOf = async (response: Response) => ((await response.json()) as ErrorBody).error;

  /**
   * A login over a new connection from `from`, a loopback address (127.x.x.x all reach the
   * server), so the server sees a real, distinct client address; `headers` are sent as well.
   */
  function login(
    email: string,
    password: string,
    from: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; message: string }> {
    const body = JSON.stringify({ email, password });
    return new Promise((resolve, reject) => {
      const req = request(
        `${trpcUrl()}/auth.login`,
        {
          method: 'POST',
          localAddress: from,
          agent: false,
          headers: { 'content-type': 'application/json', ...headers },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const error = res.statusCode === 200 ? null : (JSON.parse(text) as ErrorBody).error;
            resolve({ status: res.statusCode!, message: error?.message ?? '' });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Resident memory of the server's process group, in MiB. */
  function serverRssMiB(): number {
    const out = execFileSync('ps', ['-o', 'rss=', '-g', String(server!.pid)], { encoding: 'utf8' });
    return Math.round(out.split('\n').reduce((sum, line) => sum + (Number(line) || 0), 0) / 1024);
  }

  it('answers hostile headers as an anonymous caller, never with a 500', async () => {
    const hostile: Record<string, string>[] = [
      { cookie: 'aura_session=%E0%A4%A' },
      { cookie: 'aura_session=a; aura_session=b' },
      { cookie: `aura_session=${'%'.repeat(8000)}` },
      { authorization: 'Bearer %E0%A4%A' },
      { 'x-correlation-id': '%E0%A4%A'.repeat(500) },
    ];
    for (const headers of hostile) {
      const health = await fetch(`${trpcUrl()}/health.get`, { headers });
      expect(health.status).toBe(200);
      const list = await fetch(`${trpcUrl()}/projects.list?input=${encodeURIComponent('{}')}`, {
        headers,
      });
      expect(list.status).toBe(401);
      const login = await post('auth.login', JSON.stringify(editor), headers);
      expect(login.status).toBe(200);
    }
    // Over Node's header limit: refused by Node itself (431), and the server lives on.
    const huge = await fetch(`${trpcUrl()}/health.get`, {
      headers: { cookie: 'x'.repeat(20_000) },
    });
    expect(huge.status).toBe(431);
    expect((await fetch(`${trpcUrl()}/health.get`)).status).toBe(200);
  });

  it('refuses a body over 1 MiB with 413, by Content-Length and by counting a streamed body', async () => {
    const big = JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2 * 1024 * 1024) });
    const declared = await post('auth.login', big);
    expect(declared.status).toBe(413);
    expect(await errorOf(declared)).toMatchObject({
      message: expect.stringMatching(/body .* over the limit of 1 MiB/),
      data: { code: 'PAYLOAD_TOO_LARGE' },
    });

    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4 * 1024 * 1024) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const streamed = await post('auth.login', stream);
    expect(streamed.status).toBe(413);
    expect((await errorOf(streamed)).data.code).toBe('PAYLOAD_TOO_LARGE');
    // Under the cap, the same endpoint works.
    expect((await post('auth.login', JSON.stringify(editor))).status).toBe(200);
  });

  it('refuses a batch of more than 20 calls (400) and a URL over 8 KiB (413)', async () => {
    const batch = (n: number) =>
      fetch(`${trpcUrl()}/${Array(n).fill('health.get').join(',')}?batch=1`);
    expect((await batch(20)).status).toBe(200);
    const tooMany = await batch(21);
    expect(tooMany.status).toBe(400);
    const errors = (await tooMany.json()) as ErrorBody[];
    expect(errors).toHaveLength(21);
    expect(errors[0]!.error.message).toBe('A request may batch at most 20 calls; this one has 21');

    const longUrl = await fetch(
      `${trpcUrl()}/projects.list?input=${encodeURIComponent(JSON.stringify({ search: 'x'.repeat(9000) }))}`,
    );
    expect(longUrl.status).toBe(413);
    expect((await errorOf(longUrl)).message).toMatch(/URL .* send large inputs by POST/);
  });

  it('keeps memory bounded under oversized bodies and batches', async () => {
    const before = serverRssMiB();
    const body = 'x'.repeat(8 * 1024 * 1024);
    let peak = before;
    for (let round = 0; round < 5; round++) {
      const responses = await Promise.all([
        ...Array.from({ length: 10 }, () => post('auth.login', body)),
        ...Array.from({ length: 10 }, () =>
          fetch(`${trpcUrl()}/${Array(60).fill('health.get').join(',')}?batch=1`),
        ),
      ]);
      expect(responses.map((r) => r.status).sort()).toEqual([
        ...Array<number>(10).fill(400),
        ...Array<number>(10).fill(413),
      ]);
      await Promise.all(responses.map((r) => r.arrayBuffer()));
      peak = Math.max(peak, serverRssMiB());
    }
    console.info(
      `[web http] server RSS ${before} MiB before, ${peak} MiB peak after 50 bodies of 8 MiB and 50 batches of 60 calls`,
    );
    expect(peak - before).toBeLessThan(256);
  }, 60_000);

  it('the typed client batches within the URL limit, posts large inputs and names a non-JSON status', async () => {
    const client = createAuraClient({ url: trpcUrl(), token });
    // 45 queries of ~600 encoded characters each: one GET would be ~27,000 characters.
    const wide = 'é'.repeat(100);
    const pages = await Promise.all(
      Array.from({ length: 45 }, (_, i) => client.projects.list.query({ search: `${wide}${i}` })),
    );
    expect(pages.every((page) => page.items.length === 0)).toBe(true);
    // One query whose input alone is too long for a URL goes by POST.
    const alone = await client.projects.list.query({ search: 'é'.repeat(200) });
    expect(alone.items).toEqual([]);

    // A client behind something that answers 431 with an empty body (here: a 20 KB header).
    const padded = createAuraClient({
      url: trpcUrl(),
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as object), 'x-pad': 'x'.repeat(20_000) },
        }),
    });
    const error = await padded.health.get.query().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as Error).message).toMatch(/^HTTP 431/);
  });

  it('serves a sibling app through the built client: a plain .mjs script and a TypeScript project', () => {
    // Outside the workspace, with the built package installed under its name (a symlink, as a
    // workspace or `file:` install makes): only dist/ resolves, no TypeScript source.
    const outside = mkdtempSync(path.join(tmpdir(), 'aura-sibling-'));
    try {
      mkdirSync(path.join(outside, 'node_modules', '@aura'), { recursive: true });
      symlinkSync(apiDir, path.join(outside, 'node_modules', '@aura', 'api'), 'dir');
      for (const file of ['call.mjs', 'consumer.ts']) {
        copyFileSync(path.join(appDir, 'test', 'built-client', file), path.join(outside, file));
      }
      writeFileSync(path.join(outside, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(
        path.join(outside, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            target: 'ES2022',
            lib: ['ES2023', 'DOM'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            noEmit: true,
            skipLibCheck: true,
            types: [],
          },
          files: ['consumer.ts'],
        }),
      );

      const output = execFileSync(
        process.execPath,
        ['call.mjs', trpcUrl(), token, editor.email, editor.password],
        { cwd: outside, encoding: 'utf8' },
      );
      expect(JSON.parse(output)).toEqual({
        health: 'ok',
        loggedIn: editor.email,
        titles: [titles.second, titles.first],
      });

      // Throws with tsc's report when the built declarations lose a type or a check fails.
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      execFileSync(process.execPath, [tsc, '-p', outside], { encoding: 'utf8' });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }, 120_000);

  it('throttles a login flood, per account and by concurrent checks; health stays responsive', async () => {
    const healthMs = async () => {
      const start = performance.now();
      expect((await fetch(`${trpcUrl()}/health.get`)).status).toBe(200);
      return performance.now() - start;
    };
    const p50 = (samples: number[]) =>
      samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) idle.push(await healthMs());

    // One account from one address: a few checked, the rest refused unhashed.
    const statuses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => login(flooded.email, `wrong ${i}`, '127.0.0.50')),
    ).then((responses) => responses.map((r) => r.status));
    const checked = statuses.filter((s) => s === 401).length;
    // 5 free failures, then one more each time a lock (1 s, 2 s, 4 s, …) runs out.
    expect(checked).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200 - checked);
    const locked = await login(flooded.email, flooded.password, '127.0.0.51');
    expect(locked.status).toBe(429);
    expect(locked.message).toMatch(/try again in \d+ seconds?/);
    // Another account is unaffected.
    expect((await login(editor.email, editor.password, '127.0.0.50')).status).toBe(200);

    // 200 different clients guessing 200 different accounts: at most 8 passwords are checked at
    // once, the others are told to retry; the server stays responsive.
    const flood = Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        login(`nobody${i}@test.local`, 'wrong password', `127.0.1.${i}`),
      ),
    );
    const during: number[] = [];
    const state = { done: false };
    void flood.then(() => (state.done = true));
    while (!state.done) during.push(await healthMs());
    const spread = (await flood).map((r) => r.status);
    const hashed = spread.filter((s) => s === 401).length;
    expect(hashed).toBeGreaterThanOrEqual(8);
    expect(spread.filter((s) => s === 429)).toHaveLength(200 - hashed);
    console.info(
      `[web http] login flood: ${checked}/200 checked for one account, ${hashed}/200 for 200 accounts from 200 addresses; health.get p50 ${p50(idle).toFixed(1)} ms idle, ${p50(during).toFixed(1)} ms during the second flood (${during.length} samples)`,
    );
  }, 120_000);

  it('throttles by the real client address: forged address headers choose no bucket', async () => {
    // From one address, a failed login per unknown account, each claiming another address.
    const statuses: number[] = [];
    for (let i = 0; i < 60 && statuses.at(-1) !== 429; i++) {
      const forged = `10.9.${i}.1`;
      const response = await login(`guess${i}@test.local`, 'wrong password', '127.0.0.2', {
        'x-aura-client-address': forged,
        'x-forwarded-for': forged,
      });
      statuses.push(response.status);
    }
    // The address's free failures, then its lock: the forged values never gave a fresh bucket.
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    expect(statuses.length - 1).toBeLessThanOrEqual(50);

    // While that address is locked, the right password from it is refused; from another it works.
    const [fromLocked, fromOther] = await Promise.all([
      login(editor.email, editor.password, '127.0.0.2', { 'x-aura-client-address': '127.0.0.3' }),
      login(editor.email, editor.password, '127.0.0.3'),
    ]);
    expect(fromLocked.status).toBe(429);
    expect(fromLocked.message).toMatch(/try again in \d+ seconds?/);
    expect(fromOther.status).toBe(200);
  }, 60_000);
});
