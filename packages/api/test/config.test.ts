import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { configurations, isEncryptedValue, loadKeyring } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configListInput } from '../src/config/schema';
import { buildConfigListQuery } from '../src/config/service';
import { createContext } from '../src/context';
import { appRouter, type RouterInputs } from '../src/root';
import { openTestDb, type TestDb } from './helpers';

type SetInput = RouterInputs['config']['set'];

let t: TestDb;
/** Every console line the code under test writes (none may hold a plaintext). */
let logLines: string[];
beforeEach(() => {
  t = openTestDb();
  // The keyring file goes to this test's own directory; no operator key.
  vi.stubEnv('AURA_DATA_DIR', t.dir);
  vi.stubEnv('AURA_SECRET_KEY', '');
  logLines = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logLines.push(
        args
          .map((arg) => (arg instanceof Error ? `${arg.message} ${arg.stack}` : String(arg)))
          .join(' '),
      );
    });
  }
});
afterEach(() => {
  t.close();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const rawRows = () => t.db.$client.prepare('SELECT * FROM Configurations ORDER BY Key').all();
const rawRow = (key: string) =>
  t.db.$client.prepare('SELECT * FROM Configurations WHERE Key = ?').get(key) as
    Record<string, unknown> | undefined;

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** Expects BAD_REQUEST naming `field` (in the message or the zod field errors) and no change. */
async function expectBadRequest(call: () => Promise<unknown>, field: string) {
  const before = rawRows();
  const error = await failure(call());
  expect(error.code).toBe('BAD_REQUEST');
  const cause = error.cause as { flatten?: () => { fieldErrors: Record<string, unknown> } };
  expect(Object.keys(cause.flatten?.().fieldErrors ?? {})).toContain(field);
  expect(rawRows()).toEqual(before);
  return error;
}

async function expectCode(call: () => Promise<unknown>, code: TRPCError['code']) {
  const before = rawRows();
  const error = await failure(call());
  expect(error.code).toBe(code);
  expect(rawRows()).toEqual(before);
  return error;
}

const set = (input: SetInput, role: 'admin' | 'editor' = 'editor') => t.as(role).config.set(input);

describe('config.set and config.get', () => {
  it('creates keys of every value type, stored as JSON text, read back parsed', async () => {
    const editor = t.principal('editor');
    const cases: [SetInput['valueType'], unknown][] = [
      ['string', 'en-US'],
      ['number', 1.5],
      ['boolean', false],
      ['json', { voices: ['a', 'b'], rate: 1, nested: { ok: null } }],
    ];
    for (const [i, [valueType, value]] of cases.entries()) {
      const key = `k${i}`;
      const view = await set({ key, value, valueType, category: 'General', description: 'd' });
      expect(view).toMatchObject({
        key,
        value,
        valueType,
        category: 'General',
        description: 'd',
        isSensitive: false,
        isActive: true,
        redacted: false,
        version: 1,
        rowVersion: 1,
        createdBy: editor.userId,
        modifiedBy: editor.userId,
      });
      expect(rawRow(key)!.Value).toBe(JSON.stringify(value));
      expect(await t.as('viewer').config.get({ key })).toEqual(view);
    }
  });

  it('updates with the rowVersion read, bumping Version and RowVersion; keeps omitted fields', async () => {
    await set({
      key: 'tts.rate',
      value: 1,
      valueType: 'number',
      category: 'TTS',
      description: 'Rate',
    });
    const admin = t.principal('admin');
    const updated = await set({ key: 'tts.rate', value: 2, rowVersion: 1 }, 'admin');
    expect(updated).toMatchObject({
      value: 2,
      valueType: 'number',
      category: 'TTS',
      description: 'Rate',
      version: 2,
      rowVersion: 2,
      modifiedBy: admin.userId,
      createdBy: t.principal('editor').userId,
    });
    const again = await set({
      key: 'tts.rate',
      value: 'fast',
      valueType: 'string',
      description: null,
      rowVersion: 2,
    });
    expect(again).toMatchObject({
      value: 'fast',
      valueType: 'string',
      description: null,
      version: 3,
    });
  });

  it('refuses to overwrite an existing key without rowVersion, or with a stale one (CONFLICT)', async () => {
    await set({ key: 'a', value: 'x', valueType: 'string', category: 'C' });
    await set({ key: 'a', value: 'y', rowVersion: 1 });
    const missing = await expectCode(
      () => set({ key: 'a', value: 'z', valueType: 'string', category: 'C' }),
      'CONFLICT',
    );
    expect(missing.message).toMatch(/already exists.*rowVersion/);
    const stale = await expectCode(() => set({ key: 'a', value: 'z', rowVersion: 1 }), 'CONFLICT');
    expect(stale.message).toMatch(/you read version 1, it is now 2/);
  });

  it('a key created again after an undo removed it is past every version it had: a stale write is CONFLICT', async () => {
    const first = await set({ key: 'again', value: 'x', valueType: 'string', category: 'C' });
    expect(first.rowVersion).toBe(1);
    await t.caller.actions.undo(); // removes the key
    const second = await set(
      { key: 'again', value: 'theirs', valueType: 'string', category: 'C' },
      'admin',
    );
    expect(second.rowVersion).toBe(2);
    await expectCode(() => set({ key: 'again', value: 'stale', rowVersion: 1 }), 'CONFLICT');
    expect((await t.caller.config.get({ key: 'again' })).value).toBe('theirs');
  });

  it('NOT_FOUND for an update of a key that does not exist, and for get', async () => {
    await expectCode(() => set({ key: 'nope', value: 'x', rowVersion: 1 }), 'NOT_FOUND');
    await expectCode(() => t.caller.config.get({ key: 'nope' }), 'NOT_FOUND');
  });

  it('requires category and valueType to create a key', async () => {
    await expectBadRequest(() => set({ key: 'a', value: 'x', valueType: 'string' }), 'category');
    await expectBadRequest(() => set({ key: 'a', value: 'x', category: 'C' }), 'valueType');
  });

  it('validates value against ValueType (BAD_REQUEST naming value), changing nothing', async () => {
    await set({ key: 'n', value: 1, valueType: 'number', category: 'C' });
    const bad: [SetInput['valueType'], unknown][] = [
      ['number', '12'],
      ['number', Infinity],
      ['number', NaN],
      ['boolean', 'true'],
      ['boolean', 1],
      ['string', 5],
      ['string', null],
      ['json', new Date()],
      ['json', { a: () => 1 }],
      ['json', [1, undefined, Infinity]],
    ];
    for (const [valueType, value] of bad) {
      const error = await expectBadRequest(
        () => set({ key: 'x', value, valueType, category: 'C' }),
        'value',
      );
      expect(error.message).toMatch(/^value: must be /);
    }
    // On update, the stored ValueType applies when none is given.
    await expectBadRequest(() => set({ key: 'n', value: 'one', rowVersion: 1 }), 'value');
    // Missing value, malformed key, unknown valueType: schema failures.
    await expectBadRequest(
      () => set({ key: 'y', valueType: 'string', category: 'C' } as SetInput),
      'value',
    );
    await expectBadRequest(
      () => set({ key: 'has space', value: 'x', valueType: 'string', category: 'C' }),
      'key',
    );
    await expectBadRequest(
      () => set({ key: 'z', value: 'x', valueType: 'text' as 'string', category: 'C' }),
      'valueType',
    );
    await expectBadRequest(
      () => set({ key: 'big', value: 'x'.repeat(70_000), valueType: 'string', category: 'C' }),
      'value',
    );
    // null is JSON.
    expect(
      (await set({ key: 'j', value: null, valueType: 'json', category: 'C' })).value,
    ).toBeNull();
  });

  it('roles: anonymous UNAUTHORIZED; viewers read but cannot set or deactivate', async () => {
    await set({ key: 'a', value: 'x', valueType: 'string', category: 'C' });
    await expectCode(() => t.anonymous.config.get({ key: 'a' }), 'UNAUTHORIZED');
    await expectCode(() => t.anonymous.config.list({ category: 'C' }), 'UNAUTHORIZED');
    await expectCode(
      () => t.anonymous.config.set({ key: 'b', value: 'x', valueType: 'string', category: 'C' }),
      'UNAUTHORIZED',
    );
    const viewer = t.as('viewer');
    expect((await viewer.config.get({ key: 'a' })).value).toBe('x');
    expect((await viewer.config.list({ category: 'C' })).items).toHaveLength(1);
    await expectCode(() => viewer.config.set({ key: 'a', value: 'y', rowVersion: 1 }), 'FORBIDDEN');
    await expectCode(() => viewer.config.deactivate({ key: 'a', rowVersion: 1 }), 'FORBIDDEN');
  });
});

describe('config.deactivate', () => {
  it('hides the key from get and list, bumps Version; set reactivates', async () => {
    await set({ key: 'a', value: 'x', valueType: 'string', category: 'C' });
    const off = await t.caller.config.deactivate({ key: 'a', rowVersion: 1 });
    expect(off).toMatchObject({ isActive: false, version: 2, rowVersion: 2 });
    const hidden = await expectCode(() => t.caller.config.get({ key: 'a' }), 'NOT_FOUND');
    expect(hidden.message).toMatch(/inactive/);
    expect((await t.caller.config.get({ key: 'a', includeInactive: true })).isActive).toBe(false);
    expect((await t.caller.config.list({ category: 'C' })).items).toEqual([]);
    expect(
      (await t.caller.config.list({ category: 'C', includeInactive: true })).items.map(
        (i) => i.key,
      ),
    ).toEqual(['a']);
    await expectCode(() => t.caller.config.deactivate({ key: 'a', rowVersion: 2 }), 'CONFLICT');
    const on = await set({ key: 'a', value: 'y', rowVersion: 2 });
    expect(on).toMatchObject({ isActive: true, value: 'y', version: 3 });
  });

  it('CONFLICT on a stale rowVersion, NOT_FOUND on an unknown key, BAD_REQUEST without rowVersion', async () => {
    await set({ key: 'a', value: 'x', valueType: 'string', category: 'C' });
    await set({ key: 'a', value: 'y', rowVersion: 1 });
    await expectCode(() => t.caller.config.deactivate({ key: 'a', rowVersion: 1 }), 'CONFLICT');
    await expectCode(() => t.caller.config.deactivate({ key: 'b', rowVersion: 1 }), 'NOT_FOUND');
    await expectBadRequest(
      () => t.caller.config.deactivate({ key: 'a' } as { key: string; rowVersion: number }),
      'rowVersion',
    );
  });
});

describe('config.list', () => {
  async function seed() {
    const keys = [];
    for (let i = 0; i < 23; i++) {
      const key = `cat.key${String(i).padStart(2, '0')}`;
      keys.push(key);
      await set({ key, value: i, valueType: 'number', category: 'Cat', isSensitive: i % 5 === 0 });
    }
    await set({ key: 'other.key', value: 1, valueType: 'number', category: 'Other' });
    return keys;
  }

  it('pages a category by Key with an opaque cursor, without gaps or duplicates', async () => {
    const keys = await seed();
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    for (let guard = 0; guard < 20; guard++) {
      const page = await t.as('viewer').config.list({ category: 'Cat', limit: 10, cursor });
      seen.push(...page.items.map((i) => i.key));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(sizes).toEqual([10, 10, 3]);
    expect(seen).toEqual(keys);
    const first = await t.caller.config.list({ category: 'Cat' });
    expect(first.items).toHaveLength(23);
    expect(first.nextCursor).toBeNull();
  });

  it('redacts sensitive values in lists', async () => {
    await seed();
    const { items } = await t.caller.config.list({ category: 'Cat' });
    for (const item of items) {
      if (item.isSensitive) expect(item).toMatchObject({ value: null, redacted: true });
      else expect(item.redacted).toBe(false);
    }
    expect(items.filter((i) => i.redacted)).toHaveLength(5);
  });

  it('rejects bad paging input, and a cursor of another category', async () => {
    await seed();
    await expectBadRequest(() => t.caller.config.list({ category: 'Cat', limit: 0 }), 'limit');
    await expectBadRequest(() => t.caller.config.list({ category: 'Cat', limit: 101 }), 'limit');
    await expectBadRequest(() => t.caller.config.list({ category: '' }), 'category');
    await expectBadRequest(
      () => t.caller.config.list({ category: 'Cat', cursor: 'junk' }),
      'cursor',
    );
    await set({ key: 'other.key2', value: 2, valueType: 'number', category: 'Other' });
    const otherCursor = (await t.caller.config.list({ category: 'Other', limit: 1 })).nextCursor;
    expect(otherCursor).not.toBeNull();
    await expectBadRequest(
      () => t.caller.config.list({ category: 'Cat', cursor: otherCursor }),
      'cursor',
    );
  });

  async function plans() {
    // The cursor after cat.key05: the last key of the first page of six.
    const { nextCursor: cursor } = await t.caller.config.list({ category: 'Cat', limit: 6 });
    expect(cursor).not.toBeNull();
    return [
      { category: 'Cat' },
      { category: 'Cat', includeInactive: true },
      { category: 'Cat', cursor },
      { category: 'Cat', includeInactive: true, cursor },
    ].map((input) => {
      const { sql, params } = buildConfigListQuery(t.db, configListInput.parse(input)).toSQL();
      const details = (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join('\n');
      return { input: JSON.stringify(input), details };
    });
  }
  const KEY_INDEX = 'IX_Configurations_Category_Key';
  const hasKeyIndex = () =>
    t.db.$client
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?")
      .get(KEY_INDEX) !== undefined;

  it('is served by an index, never a full scan of Configurations', async () => {
    await seed();
    for (const { input, details } of await plans()) {
      expect(details, input).toMatch(/SEARCH Configurations USING (COVERING )?INDEX/);
      expect(details, input).not.toMatch(/^SCAN Configurations/m);
      // Ordered by Key without a sort once (Category, Key) is indexed (requested of the db package).
      if (hasKeyIndex()) expect(details, input).not.toContain('TEMP B-TREE');
    }
  });

  it('needs no sort with the requested index on (Category, Key)', async () => {
    await seed();
    if (!hasKeyIndex()) {
      t.db.$client.exec(`CREATE INDEX ${KEY_INDEX} ON Configurations (Category, Key)`);
    }
    for (const { input, details } of await plans()) {
      expect(details, input).toContain(`INDEX ${KEY_INDEX}`);
      expect(details, input).not.toMatch(/^SCAN Configurations|TEMP B-TREE/m);
    }
  });
});

describe('sensitive values', () => {
  const SECRET = 'sk-live-PLAINTEXT-5f3a9c1e-do-not-leak';

  function fileContains(file: string, needle: string): boolean {
    if (!existsSync(file)) return false;
    return readFileSync(file).includes(Buffer.from(needle, 'utf8'));
  }

  it('are encrypted at rest (AES-256-GCM envelope with key id), redacted on read, revealed to admins', async () => {
    const created = await set({
      key: 'providers.openai.apiKey',
      value: SECRET,
      valueType: 'string',
      category: 'Providers',
      isSensitive: true,
    });
    expect(created).toMatchObject({ value: null, redacted: true, isSensitive: true });
    const stored = JSON.parse(rawRow('providers.openai.apiKey')!.Value as string) as unknown;
    expect(isEncryptedValue(stored)).toBe(true);
    expect(stored).toMatchObject({
      $enc: 'aes-256-gcm',
      kid: loadKeyring({ dataDir: t.dir }).activeKeyId,
    });

    for (const role of ['viewer', 'editor', 'admin'] as const) {
      expect(await t.as(role).config.get({ key: 'providers.openai.apiKey' })).toMatchObject({
        value: null,
        redacted: true,
      });
    }
    expect(await t.as('admin').config.reveal({ key: 'providers.openai.apiKey' })).toEqual({
      key: 'providers.openai.apiKey',
      value: SECRET,
      valueType: 'string',
      isSensitive: true,
      isActive: true,
      rowVersion: 1,
    });
    await expectCode(
      () => t.as('editor').config.reveal({ key: 'providers.openai.apiKey' }),
      'FORBIDDEN',
    );
    await expectCode(
      () => t.as('viewer').config.reveal({ key: 'providers.openai.apiKey' }),
      'FORBIDDEN',
    );
    await expectCode(
      () => t.anonymous.config.reveal({ key: 'providers.openai.apiKey' }),
      'UNAUTHORIZED',
    );
    await expectCode(() => t.as('admin').config.reveal({ key: 'missing' }), 'NOT_FOUND');
    // JSON sensitive values round-trip too.
    await set({
      key: 'providers.creds',
      value: { user: 'u', token: SECRET },
      valueType: 'json',
      category: 'Providers',
      isSensitive: true,
    });
    expect((await t.as('admin').config.reveal({ key: 'providers.creds' })).value).toEqual({
      user: 'u',
      token: SECRET,
    });
  });

  it('never reach the database file, its WAL or a VACUUM INTO backup', async () => {
    await set({ key: 's1', value: SECRET, valueType: 'string', category: 'P', isSensitive: true });
    await set({
      key: 's2',
      value: { nested: SECRET },
      valueType: 'json',
      category: 'P',
      isSensitive: true,
    });
    // Updates of a sensitive value (new ciphertext, old page versions in the WAL).
    await set({ key: 's1', value: `${SECRET}-2`, rowVersion: 1 });
    // The haystack check is meaningful: a non-sensitive marker does show up.
    await set({ key: 'plain', value: 'PLAIN-MARKER-7d1e', valueType: 'string', category: 'P' });
    expect(
      fileContains(t.file, 'PLAIN-MARKER-7d1e') ||
        fileContains(`${t.file}-wal`, 'PLAIN-MARKER-7d1e'),
    ).toBe(true);

    expect(fileContains(t.file, SECRET)).toBe(false);
    expect(fileContains(`${t.file}-wal`, SECRET)).toBe(false);
    const backup = path.join(t.dir, 'backup.db');
    t.db.$client.prepare('VACUUM INTO ?').run(backup);
    expect(fileContains(backup, 'PLAIN-MARKER-7d1e')).toBe(true);
    expect(fileContains(backup, SECRET)).toBe(false);
    t.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    expect(fileContains(t.file, SECRET)).toBe(false);
  });

  it('never appear in an error message, an error response or a log line', async () => {
    await set({ key: 's1', value: SECRET, valueType: 'string', category: 'P', isSensitive: true });
    const failures = [
      // Schema failure (unknown valueType) with the secret as value.
      () =>
        set({
          key: 's2',
          value: SECRET,
          valueType: 'secret' as 'string',
          category: 'P',
          isSensitive: true,
        }),
      // ValueType mismatch found by the service.
      () =>
        set({ key: 's3', value: SECRET, valueType: 'number', category: 'P', isSensitive: true }),
      () =>
        set({
          key: 's4',
          value: { token: SECRET, bad: new Date() },
          valueType: 'json',
          category: 'P',
          isSensitive: true,
        }),
      // Update of the sensitive key with a stale version, and with a mismatching value.
      () => set({ key: 's1', value: SECRET, rowVersion: 7 }),
      () => set({ key: 's1', value: [SECRET], valueType: 'string', rowVersion: 1 }),
      // Too large.
      () =>
        set({
          key: 's5',
          value: SECRET.repeat(3000),
          valueType: 'string',
          category: 'P',
          isSensitive: true,
        }),
    ];
    for (const call of failures) {
      const error = await failure(call());
      expect(error.message).not.toContain(SECRET);
      expect(JSON.stringify(error.cause ?? null)).not.toContain(SECRET);
      expect(String(error.stack)).not.toContain(SECRET);
    }

    // Over HTTP: the whole error response body.
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request('http://localhost/api/trpc/config.set', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          json: {
            key: 's6',
            value: SECRET,
            valueType: 'boolean',
            category: 'P',
            isSensitive: true,
          },
        }),
      }),
      router: appRouter,
      createContext: () => createContext({ db: t.db, principal: t.principal('editor') }),
    });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain('value');
    expect(body).not.toContain(SECRET);

    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(rawRow('s1')!.RowVersion).toBe(1);
  });

  it('stay out of the log when a write fails internally (the logged query holds only ciphertext)', async () => {
    t.db.$client.exec(
      "CREATE TRIGGER fail_config BEFORE INSERT ON Configurations BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
    );
    const error = await expectCode(
      () => set({ key: 's', value: SECRET, valueType: 'string', category: 'P', isSensitive: true }),
      'INTERNAL_SERVER_ERROR',
    );
    expect(error.message).toMatch(/^Internal error \(request /);
    const logged = logLines.join('\n');
    expect(logged).toContain('disk on fire');
    expect(logged).not.toContain(SECRET);
  });

  it('are bound to their key: a ciphertext moved to another key does not decrypt', async () => {
    await set({ key: 'a', value: SECRET, valueType: 'string', category: 'P', isSensitive: true });
    await set({ key: 'b', value: 'other', valueType: 'string', category: 'P', isSensitive: true });
    t.db.$client
      .prepare(
        'UPDATE Configurations SET Value = (SELECT Value FROM Configurations WHERE Key = ?) WHERE Key = ?',
      )
      .run('a', 'b');
    const error = await expectCode(
      () => t.as('admin').config.reveal({ key: 'b' }),
      'PRECONDITION_FAILED',
    );
    expect(error.message).toMatch(/could not be decrypted/);
    expect(error.message).not.toContain(SECRET);
  });

  it('switch between sensitive and plain with a new value', async () => {
    await set({ key: 'a', value: 'public', valueType: 'string', category: 'P' });
    const secret = await set({ key: 'a', value: SECRET, isSensitive: true, rowVersion: 1 });
    expect(secret).toMatchObject({ redacted: true, version: 2 });
    expect(isEncryptedValue(JSON.parse(rawRow('a')!.Value as string))).toBe(true);
    const plain = await set({ key: 'a', value: 'public again', isSensitive: false, rowVersion: 2 });
    expect(plain).toMatchObject({ redacted: false, value: 'public again', isSensitive: false });
    expect(t.db.select().from(configurations).where(eq(configurations.key, 'a')).get()!.value).toBe(
      '"public again"',
    );
  });
});
