import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { apiTokens, createDb, openSqlite, sessions, users, type AuraDb } from '@aura/db';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createApiToken,
  login,
  logout,
  PRINCIPAL_CACHE_TTL_MS,
  resolveApiToken,
  resolveSession,
  revokeApiToken,
  updateUser,
} from '../src/auth/service';
import { createRequestContext } from '../src/context';
import { createCaller } from '../src/root';
import { openTestDb, type TestDb } from './helpers';

let t: TestDb;
let other: AuraDb | undefined;
afterEach(() => {
  other?.$client.close();
  other = undefined;
  t.close();
});

const PASSWORD = 'correct horse battery';

/** A second connection to the test database: another server process, as far as SQLite knows. */
function secondConnection(): AuraDb {
  other = createDb(openSqlite(t.file));
  return other;
}

/** One HTTP request with a bearer token, served on `db`. */
function requestWithToken(db: AuraDb, token: string) {
  return createCaller(
    createRequestContext({ db, headers: new Headers({ authorization: `Bearer ${token}` }) }),
  );
}

function rowVersionOf(userId: string): number {
  return t.db.select().from(users).where(eq(users.id, userId)).get()!.rowVersion;
}

/** Runs one SQL statement on the test database from a separate Node process. */
function writeFromAnotherProcess(sql: string, params: unknown[]): void {
  // better-sqlite3 is a dependency of @aura/db, resolved from there.
  const dbEntry = createRequire(import.meta.url).resolve('@aura/db');
  const driver = createRequire(dbEntry).resolve('better-sqlite3');
  const script = `const D = require(${JSON.stringify(driver)});
const db = new D(${JSON.stringify(t.file)});
db.pragma('busy_timeout = 5000');
db.prepare(${JSON.stringify(sql)}).run(...${JSON.stringify(params)});
db.close();`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
}

describe('principal cache', () => {
  it('a token revoked on one connection is UNAUTHORIZED on the next request of another', async () => {
    t = openTestDb();
    const editor = t.principal('editor');
    const { token, record } = createApiToken(t.db, editor.userId, {
      userId: editor.userId,
      name: 'sibling',
      expiresInDays: 7,
    });
    const server = secondConnection();
    await expect(requestWithToken(server, token).auth.me()).resolves.toMatchObject({
      role: 'editor',
    });
    // Cached now; revoked elsewhere.
    revokeApiToken(t.db, editor, record.id);
    await expect(requestWithToken(server, token).auth.me()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('a role change, a deactivation and a logout on one connection count on the next request of another', async () => {
    t = openTestDb();
    t.principal('admin');
    const viewer = t.principal('viewer');
    const { token } = await login(t.db, { email: viewer.email, password: PASSWORD });
    const server = secondConnection();
    expect(resolveSession(server, token)?.role).toBe('viewer');

    updateUser(t.db, 'admin', {
      id: viewer.userId,
      rowVersion: rowVersionOf(viewer.userId),
      role: 'editor',
    });
    expect(resolveSession(server, token)?.role).toBe('editor');

    updateUser(t.db, 'admin', {
      id: viewer.userId,
      rowVersion: rowVersionOf(viewer.userId),
      isActive: false,
    });
    expect(resolveSession(server, token)).toBeNull();

    updateUser(t.db, 'admin', {
      id: viewer.userId,
      rowVersion: rowVersionOf(viewer.userId),
      isActive: true,
    });
    const again = await login(t.db, { email: viewer.email, password: PASSWORD });
    expect(resolveSession(server, again.token)?.email).toBe(viewer.email);
    logout(t.db, again.token);
    expect(resolveSession(server, again.token)).toBeNull();
  });

  it('sees a change another process made at once: role, ended sessions, revoke', async () => {
    t = openTestDb();
    const editor = t.principal('editor');
    const { token } = createApiToken(t.db, editor.userId, {
      userId: editor.userId,
      name: 'sibling',
      expiresInDays: 7,
    });
    const session = await login(t.db, { email: editor.email, password: PASSWORD });
    expect(resolveApiToken(t.db, token)?.role).toBe('editor');
    expect(resolveSession(t.db, session.token)?.role).toBe('editor');

    writeFromAnotherProcess('UPDATE Users SET Role = ? WHERE Id = ?', ['viewer', editor.userId]);
    expect(resolveApiToken(t.db, token)?.role).toBe('viewer');
    await expect(
      requestWithToken(t.db, token).projects.create({ title: 'Not for viewers' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });

    // A password reset elsewhere ends the user's sessions there; this server sees it at once.
    writeFromAnotherProcess('DELETE FROM Sessions WHERE UserId = ?', [editor.userId]);
    expect(resolveSession(t.db, session.token)).toBeNull();

    writeFromAnotherProcess('UPDATE ApiTokens SET RevokedAt = ? WHERE UserId = ?', [
      new Date().toISOString(),
      editor.userId,
    ]);
    expect(resolveApiToken(t.db, token)).toBeNull();
  });

  it('trusts a resolved credential for a few seconds at most', () => {
    t = openTestDb();
    const editor = t.principal('editor');
    const now = new Date();
    const { token, record } = createApiToken(
      t.db,
      editor.userId,
      { userId: editor.userId, name: 'sibling', expiresInDays: 7 },
      now,
    );
    expect(resolveApiToken(t.db, token, now)?.role).toBe('editor');
    // A write on this very connection that bypasses the auth service (which invalidates) is
    // not seen by data_version: the cache answers until the entry's time is up.
    t.db.$client
      .prepare('UPDATE ApiTokens SET RevokedAt = ? WHERE Id = ?')
      .run(now.toISOString(), record.id);
    expect(resolveApiToken(t.db, token, new Date(now.getTime() + 1_000))).not.toBeNull();
    expect(
      resolveApiToken(t.db, token, new Date(now.getTime() + PRINCIPAL_CACHE_TTL_MS + 1)),
    ).toBeNull();
  });

  it('an expiry is honoured by a cached credential', async () => {
    t = openTestDb();
    const viewer = t.principal('viewer');
    const now = new Date();
    const { token, expiresAt } = await login(
      t.db,
      { email: viewer.email, password: PASSWORD },
      now,
    );
    const justBefore = new Date(Date.parse(expiresAt) - 1_000);
    expect(resolveSession(t.db, token, justBefore)).not.toBeNull();
    expect(resolveSession(t.db, token, new Date(Date.parse(expiresAt)))).toBeNull();
  });

  it("writes a token's LastUsedAt and a session's LastSeenAt at most once a minute", async () => {
    t = openTestDb();
    const editor = t.principal('editor');
    const start = new Date();
    const { token, record } = createApiToken(
      t.db,
      editor.userId,
      { userId: editor.userId, name: 'sibling', expiresInDays: 7 },
      start,
    );
    const session = await login(t.db, { email: editor.email, password: PASSWORD }, start);
    const lastUsed = () =>
      t.db.select().from(apiTokens).where(eq(apiTokens.id, record.id)).get()!.lastUsedAt;
    const lastSeen = () =>
      t.db.select().from(sessions).where(eq(sessions.userId, editor.userId)).get()!.lastSeenAt;
    let writes = 0;
    const before = t.db.$client.prepare('SELECT total_changes()').pluck();
    const changes = () => Number(before.get());

    const at = (ms: number) => new Date(start.getTime() + ms);
    expect(resolveApiToken(t.db, token, at(0))).not.toBeNull();
    const first = lastUsed();
    expect(first).toBe(at(0).toISOString());
    const base = changes();
    // Within the minute: 200 requests, cached or looked up again, write nothing.
    for (let i = 1; i <= 200; i++) {
      expect(resolveApiToken(t.db, token, at(i * 250))).not.toBeNull();
      expect(resolveSession(t.db, session.token, at(i * 250))).not.toBeNull();
    }
    writes = changes() - base;
    expect(writes).toBe(0);
    expect(lastUsed()).toBe(first);
    expect(lastSeen()).toBe(start.toISOString());

    // After a minute: one write each, then quiet again.
    expect(resolveApiToken(t.db, token, at(61_000))).not.toBeNull();
    expect(resolveSession(t.db, session.token, at(61_000))).not.toBeNull();
    expect(resolveApiToken(t.db, token, at(62_000))).not.toBeNull();
    expect(resolveSession(t.db, session.token, at(62_000))).not.toBeNull();
    expect(changes() - base).toBe(2);
    expect(lastUsed()).toBe(at(61_000).toISOString());
    expect(lastSeen()).toBe(at(61_000).toISOString());
  });
});
