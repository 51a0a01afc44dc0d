import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { apiTokens, sessions, users } from '@aura/db';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ZodError } from 'zod';
import { hashPassword, verifyPassword } from '../src/auth/crypto';
import {
  createApiToken,
  ensureInitialAdmin,
  login,
  resolveApiToken,
  resolveSession,
} from '../src/auth/service';
import { createContext, createRequestContext, readCookie } from '../src/context';
import { createCaller } from '../src/root';
import { CLIENT_ADDRESS_HEADER, clientAddressFromHeaders } from '../src/context';
import { toTRPCError } from '../src/trpc';
import { openTestDb, type TestDb } from './helpers';

let t: TestDb;
afterEach(() => t.close());

const PASSWORD = 'correct horse battery';
const DAY = 86_400_000;

/** The tRPC code a service's domain error is sent as (what an API client sees). */
function codeOf(error: unknown): string {
  return toTRPCError(error)?.code ?? 'not a domain error';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function headers(values: Record<string, string>) {
  return new Headers(values);
}

describe('login sessions', () => {
  it('logs in, sets an HttpOnly cookie, and the cookie authenticates later requests', async () => {
    t = openTestDb();
    t.principal('editor');
    const resHeaders = new Headers();
    const caller = createCaller(createContext({ db: t.db, resHeaders, userAgent: 'vitest' }));
    const result = await caller.auth.login({ email: 'EDITOR@test.local ', password: PASSWORD });
    expect(result.user).toMatchObject({ email: 'editor@test.local', role: 'editor' });
    const cookie = resHeaders.get('set-cookie')!;
    expect(cookie).toMatch(
      /^aura_session=aura_ses_[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604\d{3}$/,
    );
    const token = decodeURIComponent(cookie.split(';')[0]!.split('=')[1]!);

    // Stored only as a hash.
    const stored = t.db.select().from(sessions).all();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(token);

    const ctx = createRequestContext({
      db: t.db,
      headers: headers({ cookie: `other=1; aura_session=${encodeURIComponent(token)}` }),
    });
    expect(ctx.principal).toMatchObject({ email: 'editor@test.local', via: 'session' });
    expect(await createCaller(ctx).auth.me()).toMatchObject({ role: 'editor' });

    const out = new Headers();
    await createCaller({ ...ctx, resHeaders: out }).auth.logout();
    expect(out.get('set-cookie')).toMatch(/^aura_session=; .*Max-Age=0/);
    expect(resolveSession(t.db, token)).toBeNull();
  });

  it('refuses a wrong password or unknown email with the same UNAUTHORIZED message', async () => {
    t = openTestDb();
    t.principal('viewer');
    for (const input of [
      { email: 'viewer@test.local', password: 'wrong password' },
      { email: 'nobody@test.local', password: PASSWORD },
    ]) {
      await expect(t.anonymous.auth.login(input)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        message: 'Invalid email or password',
      });
    }
    expect(t.db.select().from(sessions).all()).toEqual([]);
  });

  it('expires sessions and drops those of a deactivated user', async () => {
    t = openTestDb();
    const viewer = t.principal('viewer');
    const now = new Date('2026-01-01T00:00:00.000Z');
    const { token } = await login(t.db, { email: viewer.email, password: PASSWORD }, now);
    expect(resolveSession(t.db, token, new Date(now.getTime() + 6 * DAY))).not.toBeNull();
    expect(resolveSession(t.db, token, new Date(now.getTime() + 8 * DAY))).toBeNull();

    const fresh = await login(t.db, { email: viewer.email, password: PASSWORD });
    const row = t.db.select().from(users).where(eq(users.id, viewer.userId)).get()!;
    await t
      .as('admin')
      .users.update({ id: viewer.userId, rowVersion: row.rowVersion, isActive: false });
    expect(resolveSession(t.db, fresh.token)).toBeNull();
    await expect(
      t.anonymous.auth.login({ email: viewer.email, password: PASSWORD }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});

describe('hostile headers', () => {
  const hostile: Record<string, string>[] = [
    { cookie: 'aura_session=%E0%A4%A' },
    { cookie: 'aura_session=%' },
    { cookie: `aura_session=${'x'.repeat(100_000)}` },
    { cookie: 'aura_session=aura_ses_a; aura_session=aura_ses_b' },
    { cookie: ';;==;aura_session' },
    { authorization: 'Bearer %E0%A4%A' },
    { authorization: `Bearer aura_pat_${'x'.repeat(100_000)}` },
    { authorization: 'Bearer' },
    { 'x-correlation-id': '%E0%A4%A'.repeat(1000) },
    { 'x-forwarded-for': '%E0, , ,' },
  ];

  it('readCookie never throws: malformed, oversized or repeated values are absent', () => {
    expect(readCookie('a=1; aura_session=aura_ses_%41', 'aura_session')).toBe('aura_ses_A');
    for (const h of hostile.filter((x) => x.cookie)) {
      expect(readCookie(h.cookie!, 'aura_session')).toBeNull();
    }
  });

  it('every procedure, auth.login and health.get included, treats them as anonymous', async () => {
    t = openTestDb();
    t.principal('editor');
    for (const values of hostile) {
      const ctx = createRequestContext({ db: t.db, headers: headers(values) });
      expect(ctx.principal).toBeNull();
      const caller = createCaller(ctx);
      expect(await caller.health.get()).toMatchObject({ ok: true });
      await expect(caller.projects.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      const session = await caller.auth.login({ email: 'editor@test.local', password: PASSWORD });
      expect(session.user.email).toBe('editor@test.local');
    }
  });
});

describe('login throttling', () => {
  it('hashes on the thread pool: other callbacks run while a password is hashed', async () => {
    let otherWorkRan = false;
    setImmediate(() => (otherWorkRan = true));
    const hash = await hashPassword(PASSWORD);
    expect(otherWorkRan).toBe(true);
    let ranDuringVerify = false;
    setImmediate(() => (ranDuringVerify = true));
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(ranDuringVerify).toBe(true);
  });

  it('a flood of wrong passwords is mostly refused unchecked; the account locks, others do not', async () => {
    t = openTestDb();
    const viewer = t.principal('viewer');
    t.principal('editor');
    const attempt = (password: string, email = viewer.email) =>
      t.anonymous.auth.login({ email, password }).then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => attempt(`wrong password ${i}`)),
    );
    const checked = outcomes.filter((o) => o === 'UNAUTHORIZED').length;
    const refused = outcomes.filter((o) => o === 'TOO_MANY_REQUESTS').length;
    console.info(`[login flood] 200 wrong passwords: ${checked} checked, ${refused} refused`);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(5);
    expect(checked + refused).toBe(200);

    // Locked: the right password is refused too, with when to retry, and no session is made.
    const locked = await t.anonymous.auth
      .login({ email: viewer.email, password: PASSWORD })
      .catch((e: unknown) => e);
    expect(locked).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(/try again in \d+ seconds?/),
    });
    expect(t.db.select().from(sessions).all()).toEqual([]);
    // Another account (same, unknown address bucket) still signs in.
    expect(await attempt(PASSWORD, 'editor@test.local')).toBe('ok');

    // After the lock the right password works and clears the account.
    const later = new Date(Date.now() + 2_000);
    await login(t.db, { email: viewer.email, password: PASSWORD }, later);
    expect(await attempt('wrong again')).toBe('UNAUTHORIZED');
  });

  it('locks for longer after every further failure: 1 s, 2 s, 4 s, 8 s', async () => {
    t = openTestDb();
    const { email } = t.principal('viewer');
    let now = Date.now();
    const tryAt = (password: string) =>
      login(t.db, { email, password }, new Date(now)).then(
        () => 'ok',
        (e: unknown) => (codeOf(e) === 'TOO_MANY_REQUESTS' ? messageOf(e) : codeOf(e)),
      );
    for (let i = 0; i < 5; i++) expect(await tryAt('wrong password')).toBe('UNAUTHORIZED');
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const refusal = await tryAt(PASSWORD);
      const seconds = Number(/try again in (\d+) second/.exec(refusal)?.[1]);
      waits.push(seconds);
      now += seconds * 1000;
      expect(await tryAt('wrong password')).toBe('UNAUTHORIZED');
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    now += 16_000;
    expect(await tryAt(PASSWORD)).toBe('ok');
  });

  it('checks at most 8 passwords at once across accounts and addresses', async () => {
    t = openTestDb();
    t.principal('viewer');
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        login(t.db, {
          email: `guess${i}@test.local`,
          password: 'wrong password',
          clientAddress: `198.51.100.${i}`,
        }).then(
          () => ({ code: 'OK', message: '' }),
          (e: unknown) => ({ code: codeOf(e), message: messageOf(e) }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o.code === 'UNAUTHORIZED')).toHaveLength(8);
    const busy = outcomes.filter((o) => o.code === 'TOO_MANY_REQUESTS');
    expect(busy).toHaveLength(22);
    expect(busy[0]!.message).toMatch(/at once: try again in 1 second/);
    // Once they are done, sign-ins go through again.
    const session = await login(t.db, { email: 'viewer@test.local', password: PASSWORD });
    expect(session.principal.role).toBe('viewer');
  });

  it('throttles an address that tries many accounts, and not other addresses', async () => {
    t = openTestDb();
    t.principal('viewer');
    const from = (clientAddress: string, email: string, password = 'wrong password') =>
      login(t.db, { email, password, clientAddress }).then(() => 'ok', codeOf);
    const outcomes: string[] = [];
    for (let i = 0; i < 60; i++) outcomes.push(await from('203.0.113.9', `guess${i}@test.local`));
    expect(outcomes.slice(0, 50).every((o) => o === 'UNAUTHORIZED')).toBe(true);
    expect(outcomes.slice(50).every((o) => o === 'TOO_MANY_REQUESTS')).toBe(true);
    expect(await from('203.0.113.9', 'viewer@test.local', PASSWORD)).toBe('TOO_MANY_REQUESTS');
    expect(await from('198.51.100.7', 'viewer@test.local', PASSWORD)).toBe('ok');
  });
});

describe('personal API tokens', () => {
  it('are shown once, stored hashed, named, expiring, revocable, and record their last use', async () => {
    t = openTestDb();
    const editor = t.as('editor');
    const created = await editor.auth.tokens.create({ name: 'render farm', expiresInDays: 30 });
    expect(created.token).toMatch(/^aura_pat_[\w-]{43}$/);
    expect(created.record).toMatchObject({
      name: 'render farm',
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(created.token.startsWith(created.record.tokenPrefix)).toBe(true);
    expect(Date.parse(created.record.expiresAt) - Date.now()).toBeGreaterThan(29 * DAY);

    const raw = t.db.select().from(apiTokens).all();
    expect(JSON.stringify(raw)).not.toContain(created.token);
    const listed = await editor.auth.tokens.list();
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed[0]).not.toHaveProperty('tokenHash');

    const ctx = createRequestContext({
      db: t.db,
      headers: headers({ authorization: `Bearer ${created.token}` }),
    });
    expect(ctx.principal).toMatchObject({ role: 'editor', via: 'token' });
    expect((await editor.auth.tokens.list())[0]!.lastUsedAt).not.toBeNull();

    await editor.auth.tokens.revoke({ id: created.record.id });
    expect(resolveApiToken(t.db, created.token)).toBeNull();
    expect((await editor.auth.tokens.list())[0]!.revokedAt).not.toBeNull();
  });

  it('an expired or forged token is anonymous; calls without credentials are UNAUTHORIZED', async () => {
    t = openTestDb();
    const viewer = t.principal('viewer');
    const { token } = createApiToken(
      t.db,
      viewer.userId,
      { userId: viewer.userId, name: 'old', expiresInDays: 1 },
      new Date(Date.now() - 2 * DAY),
    );
    expect(resolveApiToken(t.db, token)).toBeNull();
    for (const authorization of [`Bearer ${token}`, 'Bearer aura_pat_forged', 'Basic abc']) {
      const caller = createCaller(
        createRequestContext({ db: t.db, headers: headers({ authorization }) }),
      );
      await expect(caller.projects.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('only the owner or an admin may revoke a token; others get NOT_FOUND', async () => {
    t = openTestDb();
    const { record } = await t.as('editor').auth.tokens.create({ name: 'mine' });
    await expect(t.as('viewer').auth.tokens.revoke({ id: record.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await t.as('editor').auth.tokens.list())[0]!.revokedAt).toBeNull();
    await t.as('admin').auth.tokens.revoke({ id: record.id });
    expect((await t.as('admin').auth.tokens.list({ all: true }))[0]!.revokedAt).not.toBeNull();
    // An audited write: stamped with the revoking admin, one RowVersion further.
    const revoked = t.db.select().from(apiTokens).where(eq(apiTokens.id, record.id)).get();
    expect(revoked).toMatchObject({ rowVersion: 2, modifiedBy: t.principal('admin').userId });
    expect(revoked?.updatedAt).toBe(revoked?.revokedAt);
  });

  it('rejects a bad token request and changes nothing', async () => {
    t = openTestDb();
    const error = await t
      .as('editor')
      .auth.tokens.create({ name: ' ', expiresInDays: 1000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(Object.keys((error as { cause: ZodError }).cause.flatten().fieldErrors).sort()).toEqual([
      'expiresInDays',
      'name',
    ]);
    expect(t.db.select().from(apiTokens).all()).toEqual([]);
  });
});

describe('users (admin)', () => {
  it('only admins manage users; CreatedBy is the admin', async () => {
    t = openTestDb();
    await expect(t.as('editor').users.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.anonymous.users.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const created = await t.as('admin').users.create({ email: 'new@test.local', role: 'viewer' });
    expect(created.password.length).toBeGreaterThanOrEqual(20);
    const row = t.db.select().from(users).where(eq(users.id, created.user.id)).get()!;
    expect(row.createdBy).toBe(t.principal('admin').userId);
    expect(await verifyPassword(created.password, row.passwordHash)).toBe(true);
    expect(row.passwordHash).not.toContain(created.password);
    await expect(
      t.as('admin').users.create({ email: 'NEW@test.local', role: 'viewer' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('the last active admin cannot be demoted; a stale RowVersion is CONFLICT', async () => {
    t = openTestDb();
    const admin = t.principal('admin');
    const row = t.db.select().from(users).where(eq(users.id, admin.userId)).get()!;
    await expect(
      t.as('admin').users.update({ id: admin.userId, rowVersion: row.rowVersion, role: 'editor' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('last active admin'),
    });
    const viewer = t.principal('viewer');
    await t.as('admin').users.update({ id: viewer.userId, rowVersion: 1, displayName: 'Vera' });
    await expect(
      t.as('admin').users.update({ id: viewer.userId, rowVersion: 1, role: 'admin' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(t.db.select().from(users).where(eq(users.id, viewer.userId)).get()).toMatchObject({
      role: 'viewer',
      displayName: 'Vera',
    });
  });
});

describe('first start', () => {
  it('creates one admin, writes its credentials to a 0600 file, and never again', async () => {
    t = openTestDb();
    const first = await ensureInitialAdmin(t.db, { dataDir: t.dir });
    expect(first).not.toBeNull();
    expect(statSync(first!.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(first!.file, 'utf8')).toContain(first!.password);
    const session = await login(t.db, { email: first!.email, password: first!.password });
    expect(session.principal.role).toBe('admin');
    expect(await ensureInitialAdmin(t.db, { dataDir: t.dir })).toBeNull();
    expect(t.db.select().from(users).all()).toHaveLength(1);
  });
});

describe('pnpm aura CLI', () => {
  const TSX = path.resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const aura = (file: string, ...args: string[]) =>
    spawnSync(TSX, ['src/cli.ts', ...args], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, AURA_DB_PATH: file },
      encoding: 'utf8',
    });

  it('creates users and tokens and revokes tokens; bad input exits non-zero', async () => {
    t = openTestDb();
    const made = aura(t.file, 'users:create', '--email', 'cli@test.local', '--role', 'editor');
    expect(made.status).toBe(0);
    const password = /Password \(shown once\): (\S+)/.exec(made.stdout)![1]!;
    expect((await login(t.db, { email: 'cli@test.local', password })).principal.role).toBe(
      'editor',
    );

    const tok = aura(
      t.file,
      'tokens:create',
      '--email',
      'cli@test.local',
      '--name',
      'sibling app',
      '--days',
      '7',
    );
    expect(tok.status).toBe(0);
    const token = /Token \(shown once, store it now\): (\S+)/.exec(tok.stdout)![1]!;
    expect(resolveApiToken(t.db, token)?.email).toBe('cli@test.local');
    const id = /\(([0-9a-f-]{36})\)/.exec(tok.stdout)![1]!;
    expect(aura(t.file, 'tokens:list').stdout).toContain('sibling app');
    expect(aura(t.file, 'tokens:revoke', id).status).toBe(0);
    expect(resolveApiToken(t.db, token)).toBeNull();

    expect(aura(t.file, 'users:create', '--email', 'x@test.local', '--role', 'boss').status).toBe(
      2,
    );
    // A refusal (a domain error) prints its message alone, no stack, and exits 1.
    const refused = aura(t.file, 'tokens:create', '--email', 'ghost@test.local', '--name', 'n');
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe('Error: No user with the email ghost@test.local');
    const unknown = '00000000-0000-7000-8000-000000000000';
    const notRevoked = aura(t.file, 'tokens:revoke', unknown);
    expect(notRevoked.status).toBe(1);
    expect(notRevoked.stderr.trim()).toBe(`Error: API token ${unknown} was not found`);
    expect(aura(t.file, 'nope').status).toBe(2);
  }, 60_000);
});

describe('the client address of a request', () => {
  afterEach(() => vi.unstubAllEnvs());
  const sent = headers({
    [CLIENT_ADDRESS_HEADER]: '127.0.0.7',
    'x-forwarded-for': '198.51.100.1, 203.0.113.9',
  });

  it('is the address the dashboard server stamped, never X-Forwarded-For without a trusted proxy', () => {
    vi.stubEnv('AURA_TRUST_PROXY', '');
    vi.stubEnv('AURA_CLIENT_ADDRESS_STAMPED', '1');
    expect(clientAddressFromHeaders(sent)).toBe('127.0.0.7');
    expect(clientAddressFromHeaders(headers({ 'x-forwarded-for': '203.0.113.9' }))).toBeNull();
  });

  it('is unknown (one shared bucket) where nothing stamps it: a client could write the header', () => {
    vi.stubEnv('AURA_TRUST_PROXY', '');
    vi.stubEnv('AURA_CLIENT_ADDRESS_STAMPED', '');
    expect(clientAddressFromHeaders(sent)).toBeNull();
  });

  it('behind a trusted proxy is the last X-Forwarded-For entry, the one that proxy appended', () => {
    vi.stubEnv('AURA_TRUST_PROXY', '1');
    vi.stubEnv('AURA_CLIENT_ADDRESS_STAMPED', '1');
    expect(clientAddressFromHeaders(sent)).toBe('203.0.113.9');
    expect(clientAddressFromHeaders(headers({ 'x-forwarded-for': ' , ' }))).toBeNull();
  });
});
