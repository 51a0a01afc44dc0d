import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MaintenanceError,
  SecretError,
  backupDatabase,
  createDb,
  decryptSecret,
  encryptSecret,
  encryptedKeyId,
  keyIdOf,
  loadKeyring,
  loggedSecretImages,
  openSqlite,
  parseLoggedPayload,
  parseSecretKey,
  restoreDatabase,
  type AuraDb,
  type KeyringFile,
  type SecretOptions,
} from '@aura/db';
import { revealConfig, rotateSecrets, setConfig } from '../src/config/service';
import { openTestDb, type TestDb } from './helpers';

const SECRET = 'hunter2-PLAINTEXT-a8b7c6';

let t: TestDb;
let opts: SecretOptions & { env: NodeJS.ProcessEnv };
beforeEach(() => {
  t = openTestDb();
  // Explicit options everywhere: no dependency on the process environment.
  opts = { dataDir: t.dir, env: {} };
  vi.stubEnv('AURA_SECRET_KEY', '');
  vi.stubEnv('AURA_DATA_DIR', t.dir);
});
afterEach(() => {
  t.close();
  vi.unstubAllEnvs();
});

const keyFile = () => path.join(t.dir, 'secret-keys.json');
const readKeyFile = () => JSON.parse(readFileSync(keyFile(), 'utf8')) as KeyringFile;
const mode = (file: string) => statSync(file).mode & 0o777;
const storedValue = (key: string) =>
  (
    t.db.$client.prepare('SELECT Value FROM Configurations WHERE Key = ?').get(key) as {
      Value: string;
    }
  ).Value;

function errorOf(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('keys', () => {
  it('key id is the first 16 hex chars of sha256(key)', () => {
    const key = randomBytes(32);
    expect(keyIdOf(key)).toBe(createHash('sha256').update(key).digest('hex').slice(0, 16));
  });

  it('parses 32-byte keys as base64, base64url or hex; refuses anything else without echoing it', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(` ${key.toString('hex').toUpperCase()}\n`)).toEqual(key);
    for (const bad of [
      randomBytes(16).toString('base64'),
      randomBytes(31).toString('hex'),
      'not a key at all!',
      '',
    ]) {
      const error = errorOf(() => parseSecretKey(bad));
      expect(error).toBeInstanceOf(SecretError);
      expect(error.message).toMatch(/32 bytes/);
      if (bad) expect(error.message).not.toContain(bad);
    }
  });
});

describe('loadKeyring', () => {
  it('generates secret-keys.json (0600) in the data directory on first use, then reuses it', () => {
    expect(existsSync(keyFile())).toBe(false);
    const first = loadKeyring(opts);
    expect(first.source).toBe('file');
    expect(first.file).toBe(keyFile());
    expect(mode(keyFile())).toBe(0o600);
    const file = readKeyFile();
    expect(file.activeKeyId).toBe(first.activeKeyId);
    expect(Object.keys(file.keys)).toEqual([first.activeKeyId]);
    expect(keyIdOf(Buffer.from(file.keys[first.activeKeyId]!, 'base64'))).toBe(first.activeKeyId);
    const again = loadKeyring(opts);
    expect(again.activeKeyId).toBe(first.activeKeyId);
    expect(again.keys.get(first.activeKeyId)).toEqual(first.keys.get(first.activeKeyId));
  });

  it('defaults to dataDirectory() (AURA_DATA_DIR)', () => {
    const keyring = loadKeyring({ env: { AURA_DATA_DIR: t.dir } });
    expect(keyring.file).toBe(keyFile());
    expect(existsSync(keyFile())).toBe(true);
  });

  it('narrows a keyring file readable by others back to 0600', () => {
    loadKeyring(opts);
    chmodSync(keyFile(), 0o644);
    loadKeyring(opts);
    expect(mode(keyFile())).toBe(0o600);
  });

  it('refuses a damaged keyring file with a message that holds no key material', () => {
    loadKeyring(opts);
    const file = readKeyFile();
    const other = randomBytes(32).toString('base64');
    writeFileSync(keyFile(), JSON.stringify({ ...file, keys: { [file.activeKeyId]: other } }));
    const damaged = errorOf(() => loadKeyring(opts));
    expect(damaged).toBeInstanceOf(SecretError);
    expect(damaged.message).toMatch(/damaged key/);
    expect(damaged.message).not.toContain(other);
    writeFileSync(keyFile(), '{ not json');
    expect(errorOf(() => loadKeyring(opts)).message).toMatch(/not valid JSON/);
    writeFileSync(keyFile(), JSON.stringify({ activeKeyId: 'x', keys: {} }));
    expect(errorOf(() => loadKeyring(opts)).message).toMatch(/active key it does not hold/);
  });

  it('uses AURA_SECRET_KEY (base64 or hex) when set, and writes no key file', () => {
    const key = randomBytes(32);
    for (const text of [key.toString('base64'), key.toString('hex')]) {
      const keyring = loadKeyring({ ...opts, env: { AURA_SECRET_KEY: text } });
      expect(keyring.source).toBe('env');
      expect(keyring.activeKeyId).toBe(keyIdOf(key));
      expect([...keyring.keys.keys()]).toEqual([keyIdOf(key)]);
    }
    expect(existsSync(keyFile())).toBe(false);
    const bad = errorOf(() => loadKeyring({ ...opts, env: { AURA_SECRET_KEY: 'short' } }));
    expect(bad.message).toMatch(/AURA_SECRET_KEY must be 32 bytes/);
  });

  it('AURA_SECRET_KEY="<new>,<old>": the first encrypts, all decrypt; an existing key file still decrypts', () => {
    const fileKeyring = loadKeyring(opts);
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const keyring = loadKeyring({
      ...opts,
      env: { AURA_SECRET_KEY: `${a.toString('base64')}, ${b.toString('hex')}` },
    });
    expect(keyring.activeKeyId).toBe(keyIdOf(a));
    expect([...keyring.keys.keys()].sort()).toEqual(
      [keyIdOf(a), keyIdOf(b), fileKeyring.activeKeyId].sort(),
    );
  });
});

describe('encryptSecret / decryptSecret', () => {
  it('round-trips with AES-256-GCM, a fresh IV each time, the key id stored', () => {
    const keyring = loadKeyring(opts);
    const one = encryptSecret(keyring, 'api.key', SECRET);
    const two = encryptSecret(keyring, 'api.key', SECRET);
    expect(one).not.toBe(two);
    expect(one).not.toContain(SECRET);
    const envelope = JSON.parse(one) as Record<string, string>;
    expect(envelope).toEqual({
      $enc: 'aes-256-gcm',
      kid: keyring.activeKeyId,
      iv: expect.any(String),
      tag: expect.any(String),
      ct: expect.any(String),
    });
    expect(Buffer.from(envelope.iv!, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag!, 'base64')).toHaveLength(16);
    expect(encryptedKeyId(one)).toBe(keyring.activeKeyId);
    expect(decryptSecret(keyring, 'api.key', one)).toBe(SECRET);
    expect(decryptSecret(keyring, 'api.key', two)).toBe(SECRET);
  });

  it('fails on another AAD, tampering or an unknown key, without revealing the plaintext', () => {
    const keyring = loadKeyring(opts);
    const stored = encryptSecret(keyring, 'api.key', SECRET);
    const envelope = JSON.parse(stored) as Record<string, string>;
    const flipped = Buffer.from(envelope.ct!, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    const cases: [string, string, RegExp][] = [
      ['other.key', stored, /could not be decrypted/],
      [
        'api.key',
        JSON.stringify({ ...envelope, ct: flipped.toString('base64') }),
        /could not be decrypted/,
      ],
      [
        'api.key',
        JSON.stringify({ ...envelope, tag: Buffer.alloc(16).toString('base64') }),
        /could not be decrypted/,
      ],
      [
        'api.key',
        JSON.stringify({ ...envelope, kid: '0123456789abcdef' }),
        /0123456789abcdef, which is not available/,
      ],
      ['api.key', JSON.stringify(SECRET), /not an encrypted value/],
    ];
    for (const [aad, value, message] of cases) {
      const error = errorOf(() => decryptSecret(keyring, aad, value));
      expect(error).toBeInstanceOf(SecretError);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(SECRET);
    }
  });
});

describe('rotateSecrets', () => {
  function seed() {
    const actor = t.principal('admin').userId;
    for (let i = 0; i < 3; i++) {
      setConfig(
        t.db,
        actor,
        {
          key: `secret.${i}`,
          value: `${SECRET}-${i}`,
          valueType: 'string',
          category: 'S',
          isSensitive: true,
        },
        opts,
      );
    }
    setConfig(
      t.db,
      actor,
      {
        key: 'secret.json',
        value: { token: SECRET },
        valueType: 'json',
        category: 'S',
        isSensitive: true,
      },
      opts,
    );
    setConfig(
      t.db,
      actor,
      { key: 'plain', value: 'visible', valueType: 'string', category: 'S' },
      opts,
    );
    const keys = ['secret.0', 'secret.1', 'secret.2', 'secret.json'];
    return keys;
  }
  const rows = () =>
    t.db.$client
      .prepare('SELECT Key, RowVersion, Version, UpdatedAt, Value FROM Configurations ORDER BY Key')
      .all() as {
      Key: string;
      RowVersion: number;
      Version: number;
      UpdatedAt: string;
      Value: string;
    }[];

  it('re-encrypts every sensitive row under a new key, activates it and retires the old one (kept)', () => {
    const keys = seed();
    const before = rows();
    const oldKeyId = loadKeyring(opts).activeKeyId;
    const result = rotateSecrets(t.db, opts);
    expect(result).toEqual({
      source: 'file',
      previousKeyId: oldKeyId,
      activeKeyId: expect.stringMatching(/^[0-9a-f]{16}$/),
      reencrypted: 4,
      retiredKeyIds: [oldKeyId],
      operatorAction: null,
    });
    expect(result.activeKeyId).not.toBe(oldKeyId);
    const file = readKeyFile();
    expect(file.activeKeyId).toBe(result.activeKeyId);
    // The old key stays (older backups need it), marked retired with the time.
    expect(Object.keys(file.keys).sort()).toEqual([oldKeyId, result.activeKeyId].sort());
    expect(file.retired).toEqual({ [oldKeyId]: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(mode(keyFile())).toBe(0o600);
    for (const key of keys) expect(encryptedKeyId(storedValue(key))).toBe(result.activeKeyId);
    expect(revealConfig(t.db, { key: 'secret.1' }, opts).value).toBe(`${SECRET}-1`);
    expect(revealConfig(t.db, { key: 'secret.json' }, opts).value).toEqual({ token: SECRET });
    // Maintenance, not an edit: versions and timestamps untouched; plain rows untouched.
    const after = rows();
    expect(after.map(({ Value: _v, ...rest }) => rest)).toEqual(
      before.map(({ Value: _v, ...rest }) => rest),
    );
    expect(after.find((r) => r.Key === 'plain')!.Value).toBe('"visible"');
    // New writes use the new key; a second rotation works the same way.
    setConfig(
      t.db,
      null,
      { key: 'secret.3', value: 'x', valueType: 'string', category: 'S', isSensitive: true },
      opts,
    );
    expect(encryptedKeyId(storedValue('secret.3'))).toBe(result.activeKeyId);
    const second = rotateSecrets(t.db, opts);
    expect(second).toMatchObject({
      previousKeyId: result.activeKeyId,
      reencrypted: 5,
      retiredKeyIds: [result.activeKeyId],
    });
    expect(Object.keys(readKeyFile().retired ?? {}).sort()).toEqual(
      [oldKeyId, result.activeKeyId].sort(),
    );
    expect(revealConfig(t.db, { key: 'secret.0' }, opts).value).toBe(`${SECRET}-0`);
  });

  it('a row written under the old key during the rotation stays readable', () => {
    seed();
    const old = loadKeyring(opts);
    // A row written with the old key after the re-encryption (a concurrent writer) must stay
    // readable: the old key is retired, never deleted.
    const original = t.db.transaction.bind(t.db);
    const spy = vi.spyOn(t.db, 'transaction').mockImplementation(((work: never, config: never) => {
      const result = original(work, config);
      // A writer that read the keyring before the new key became active commits right after.
      t.db.$client
        .prepare('UPDATE Configurations SET Value = ? WHERE Key = ?')
        .run(encryptSecret(old, 'secret.2', JSON.stringify('late')), 'secret.2');
      return result;
    }) as never);
    const result = rotateSecrets(t.db, opts);
    spy.mockRestore();
    expect(result.retiredKeyIds).toEqual([old.activeKeyId]);
    expect(Object.keys(readKeyFile().keys).sort()).toEqual(
      [old.activeKeyId, result.activeKeyId].sort(),
    );
    expect(revealConfig(t.db, { key: 'secret.2' }, opts).value).toBe('late');
    // The next rotation moves it; every key is still in the keyring.
    const next = rotateSecrets(t.db, opts);
    expect(encryptedKeyId(storedValue('secret.2'))).toBe(next.activeKeyId);
    expect(Object.keys(readKeyFile().keys)).toHaveLength(3);
  });

  it('changes nothing when a row cannot be decrypted (all or nothing)', () => {
    const keys = seed();
    t.db.$client
      .prepare(
        "UPDATE Configurations SET Value = json_set(Value, '$.tag', ?) WHERE Key = 'secret.1'",
      )
      .run(Buffer.alloc(16).toString('base64'));
    const before = rows();
    const fileBefore = readFileSync(keyFile(), 'utf8');
    const error = errorOf(() => rotateSecrets(t.db, opts));
    expect(error).toBeInstanceOf(SecretError);
    expect(error.message).toMatch(/'secret.1' could not be decrypted/);
    expect(error.message).not.toContain(SECRET);
    expect(rows()).toEqual(before);
    expect(readFileSync(keyFile(), 'utf8')).toBe(fileBefore);
    expect(revealConfig(t.db, { key: keys[0]! }, opts).value).toBe(`${SECRET}-0`);
  });

  it('accepts an operator-chosen new key in file mode, refuses the active one', () => {
    seed();
    const key = randomBytes(32);
    expect(rotateSecrets(t.db, { ...opts, newKey: key.toString('hex') }).activeKeyId).toBe(
      keyIdOf(key),
    );
    expect(errorOf(() => rotateSecrets(t.db, { ...opts, newKey: key })).message).toMatch(
      /already the active key/,
    );
    expect(errorOf(() => rotateSecrets(t.db, { ...opts, newKey: 'nope' })).message).toMatch(
      /newKey must be 32 bytes/,
    );
  });

  describe('and db:restore', () => {
    const backupsDir = () => path.join(t.dir, 'backups');
    const safetyDir = () => path.join(t.dir, 'safety');
    /** Stops "the service" (this connection), as restore requires, and restores `file`. */
    const restore = (file: string) => {
      t.db.$client.close();
      return restoreDatabase({ file, dbPath: t.file, safetyDir: safetyDir(), secrets: opts });
    };
    /** db:restore refused: the right message, and the database file and safety folder as before. */
    function expectRefusedRestore(file: string, message: RegExp | string): MaintenanceError {
      t.db.$client.close();
      const before = readFileSync(t.file);
      const error = errorOf(() =>
        restoreDatabase({ file, dbPath: t.file, safetyDir: safetyDir(), secrets: opts }),
      );
      expect(error).toBeInstanceOf(MaintenanceError);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('nothing was changed');
      expect(error.message).not.toContain(SECRET);
      expect(readFileSync(t.file).equals(before)).toBe(true);
      expect(existsSync(safetyDir())).toBe(false);
      return error;
    }
    const withRestored = (work: (db: AuraDb) => void) => {
      const db = createDb(openSqlite(t.file));
      try {
        work(db);
      } finally {
        db.$client.close();
      }
    };

    it('restores a backup taken before two rotations, and its values decrypt', () => {
      seed();
      const original = loadKeyring(opts).activeKeyId;
      const { file } = backupDatabase({ dbPath: t.file, dir: backupsDir() });
      rotateSecrets(t.db, opts);
      rotateSecrets(t.db, opts);
      restore(file);
      withRestored((db) => {
        const stored = db.$client
          .prepare(`SELECT Value FROM Configurations WHERE Key = 'secret.1'`)
          .get() as { Value: string };
        expect(encryptedKeyId(stored.Value)).toBe(original);
        expect(revealConfig(db, { key: 'secret.1' }, opts).value).toBe(`${SECRET}-1`);
        expect(revealConfig(db, { key: 'secret.json' }, opts).value).toEqual({ token: SECRET });
      });
    });

    it('refuses a backup whose key is gone from the keyring, naming the key, changing nothing', () => {
      seed();
      const original = loadKeyring(opts).activeKeyId;
      const { file } = backupDatabase({ dbPath: t.file, dir: backupsDir() });
      rotateSecrets(t.db, opts);
      // The keyring as an operator's hand (or the old rotation) left it: that key deleted.
      const ring = readKeyFile();
      delete ring.keys[original];
      delete ring.retired?.[original];
      writeFileSync(keyFile(), JSON.stringify(ring), { mode: 0o600 });
      const error = expectRefusedRestore(file, `key(s) ${original}`);
      expect(error.message).toContain(keyFile());
    });

    it('checks the undo log images of sensitive values too', () => {
      seed();
      const stranger = randomBytes(32);
      const strangerId = keyIdOf(stranger);
      // One logged image under a key this installation never had; the rows are all readable.
      const row = t.db.$client
        .prepare(
          `SELECT Id, PayloadJson AS text FROM ActionLogs WHERE instr(PayloadJson, '$enc') > 0 LIMIT 1`,
        )
        .get() as { Id: string; text: string } | undefined;
      const doc = parseLoggedPayload(row?.text ?? null);
      const [image] = loggedSecretImages(doc);
      expect(image).toBeDefined();
      image!.image.value = encryptSecret(
        { ...loadKeyring(opts), keys: new Map([[strangerId, stranger]]) },
        image!.key,
        JSON.stringify('x'),
        strangerId,
      );
      t.db.$client
        .prepare('UPDATE ActionLogs SET PayloadJson = ? WHERE Id = ?')
        .run(JSON.stringify(doc), row!.Id);
      const { file } = backupDatabase({ dbPath: t.file, dir: backupsDir() });
      expectRefusedRestore(file, `key(s) ${strangerId}`);
    });

    it('refuses a backup holding an altered encrypted value', () => {
      seed();
      t.db.$client
        .prepare(
          "UPDATE Configurations SET Value = json_set(Value, '$.tag', ?) WHERE Key = 'secret.2'",
        )
        .run(Buffer.alloc(16).toString('base64'));
      const { file } = backupDatabase({ dbPath: t.file, dir: backupsDir() });
      expectRefusedRestore(file, /do not decrypt.*Configurations 'secret\.2'/);
    });
  });

  describe('with AURA_SECRET_KEY', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const envOpts = (value: string) => ({ dataDir: t.dir, env: { AURA_SECRET_KEY: value } });

    it('explains that the operator must change the key when no new key is given', () => {
      const old = envOpts(oldKey.toString('base64'));
      setConfig(
        t.db,
        null,
        { key: 's', value: SECRET, valueType: 'string', category: 'S', isSensitive: true },
        old,
      );
      const before = storedValue('s');
      const error = errorOf(() => rotateSecrets(t.db, old));
      expect(error).toBeInstanceOf(SecretError);
      expect(error.message).toMatch(
        /AURA_SECRET_KEY is set.*--new-key.*set AURA_SECRET_KEY to it/s,
      );
      expect(storedValue('s')).toBe(before);
      expect(existsSync(keyFile())).toBe(false);
    });

    it('re-encrypts under the given new key and tells the operator to set it', () => {
      const old = envOpts(oldKey.toString('base64'));
      setConfig(
        t.db,
        null,
        { key: 's', value: SECRET, valueType: 'string', category: 'S', isSensitive: true },
        old,
      );
      const result = rotateSecrets(t.db, { ...old, newKey: newKey.toString('base64') });
      expect(result).toMatchObject({
        source: 'env',
        previousKeyId: keyIdOf(oldKey),
        activeKeyId: keyIdOf(newKey),
        reencrypted: 1,
        retiredKeyIds: [keyIdOf(oldKey)],
      });
      expect(result.operatorAction).toMatch(
        /Set AURA_SECRET_KEY="<new key>,<old key>".*keep the old key\(s\) listed.*backups/s,
      );
      expect(encryptedKeyId(storedValue('s'))).toBe(keyIdOf(newKey));
      expect(existsSync(keyFile())).toBe(false);
      // Until the operator changes the variable, the old key alone cannot read it…
      expect(() => revealConfig(t.db, { key: 's' }, old)).toThrow(/not available/);
      // …"<new>,<old>" and then the new key alone can.
      const both = envOpts(`${newKey.toString('base64')},${oldKey.toString('base64')}`);
      expect(revealConfig(t.db, { key: 's' }, both).value).toBe(SECRET);
      expect(revealConfig(t.db, { key: 's' }, envOpts(newKey.toString('hex'))).value).toBe(SECRET);
    });

    it('with "<new>,<old>" and no new key, moves rows to the first key', () => {
      const old = envOpts(oldKey.toString('base64'));
      setConfig(
        t.db,
        null,
        { key: 's', value: SECRET, valueType: 'string', category: 'S', isSensitive: true },
        old,
      );
      const both = envOpts(`${newKey.toString('base64')},${oldKey.toString('base64')}`);
      const result = rotateSecrets(t.db, both);
      expect(result).toMatchObject({ activeKeyId: keyIdOf(newKey), reencrypted: 1 });
      expect(result).toMatchObject({ retiredKeyIds: [keyIdOf(oldKey)] });
      expect(result.operatorAction).toMatch(/the others only decrypt.*keep the old key/s);
      expect(revealConfig(t.db, { key: 's' }, envOpts(newKey.toString('base64'))).value).toBe(
        SECRET,
      );
    });

    it('moves values from a generated key file to the operator key', () => {
      setConfig(
        t.db,
        null,
        { key: 's', value: SECRET, valueType: 'string', category: 'S', isSensitive: true },
        opts,
      );
      const result = rotateSecrets(t.db, {
        ...envOpts(oldKey.toString('base64')),
        newKey: newKey.toString('base64'),
      });
      expect(result.reencrypted).toBe(1);
      expect(revealConfig(t.db, { key: 's' }, envOpts(newKey.toString('base64'))).value).toBe(
        SECRET,
      );
    });
  });
});
