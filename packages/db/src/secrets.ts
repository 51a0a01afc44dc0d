import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { Sqlite } from './client';
import { dataDirectory } from './paths';

/**
 * Encryption at rest of sensitive configuration values: AES-256-GCM with a 96-bit random IV,
 * the configuration Key as additional authenticated data (a ciphertext copied to another key
 * fails to decrypt), and the id of the encrypting key stored with every ciphertext so keys can
 * be rotated.
 *
 * Keys come from AURA_SECRET_KEY (32 bytes as base64 or 64 hex characters; a comma-separated
 * list while changing it: the first encrypts, the others still decrypt) or, when it is unset,
 * from a keyring file `secret-keys.json` (mode 0600) in the data directory, generated on first
 * use. No function here ever puts a plaintext or a key into an error message.
 *
 * Keys are never deleted: a rotation retires the old key (it stops encrypting, and the keyring
 * file records when) but keeps it for decryption, because a kept backup may still hold values
 * under it. db:restore checks every encrypted value of a backup against the available keys
 * before replacing anything (undecryptableSecrets). This lives in the db package so restore can
 * use it; the api package re-exports it.
 */

export const SECRET_KEY_ENV = 'AURA_SECRET_KEY';
export const SECRET_KEY_FILE = 'secret-keys.json';
export const SECRET_ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A secret-handling failure (bad key material, unknown key id, tampered ciphertext). */
export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

/** Where keys come from: the data directory (tests point it elsewhere) and the environment. */
export interface SecretOptions {
  /** The directory of `secret-keys.json`; default `dataDirectory()` of @aura/db. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** The keyring file's shape: keys as base64, by key id; retired keys with when they retired. */
export interface KeyringFile {
  activeKeyId: string;
  keys: Record<string, string>;
  retired?: Record<string, string>;
}

export interface Keyring {
  /** The key new ciphertexts are made with. */
  activeKeyId: string;
  /** Every key that can decrypt, by id. */
  keys: Map<string, Buffer>;
  /** `env`: AURA_SECRET_KEY (the operator changes it); `file`: the generated keyring file. */
  source: 'env' | 'file';
  /** The keyring file's path (read for extra decryption keys in `env` mode, when it exists). */
  file: string;
  /** Keys of the file that no longer encrypt, with the time they were retired (ISO-8601). */
  retired: Map<string, string>;
}

/** The stored form of a sensitive value (the `Value` column holds this object as JSON). */
export interface EncryptedValue {
  $enc: typeof SECRET_ALGORITHM;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

/** The key id: the first 16 hex characters of SHA-256 of the key. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A new random 256-bit key. */
export function generateSecretKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** Parses one key: 64 hex characters or base64 (standard or url-safe) of exactly 32 bytes. */
export function parseSecretKey(text: string, what = 'The secret key'): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  throw new SecretError(
    `${what} must be 32 bytes written as base64 (44 characters) or as 64 hex characters; generate one with \`openssl rand -base64 32\``,
  );
}

/** The keys listed in AURA_SECRET_KEY (first = active), or null when it is unset. */
export function envSecretKeys(env: NodeJS.ProcessEnv = process.env): [Buffer, ...Buffer[]] | null {
  const parts = (env[SECRET_KEY_ENV] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  // Only separators (e.g. ",") is no key at all, like an unset variable.
  const [first, ...rest] = parts;
  if (first === undefined) return null;
  return [
    parseSecretKey(first, SECRET_KEY_ENV),
    ...rest.map((part, index) => parseSecretKey(part, `Key ${index + 2} of ${SECRET_KEY_ENV}`)),
  ];
}

export function keyringPath(options: SecretOptions = {}): string {
  return path.join(options.dataDir ?? dataDirectory(options.env ?? process.env), SECRET_KEY_FILE);
}

interface KeyringFileContent {
  activeKeyId: string;
  keys: Map<string, Buffer>;
  retired: Map<string, string>;
}

function parseKeyringFile(file: string): KeyringFileContent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new SecretError(`The keyring ${file} is not valid JSON`);
  }
  const data = parsed as Partial<KeyringFile> | null;
  if (
    !data ||
    typeof data !== 'object' ||
    typeof data.activeKeyId !== 'string' ||
    !data.keys ||
    typeof data.keys !== 'object'
  ) {
    throw new SecretError(`The keyring ${file} must be { "activeKeyId": …, "keys": { … } }`);
  }
  const keys = new Map<string, Buffer>();
  for (const [kid, encoded] of Object.entries(data.keys)) {
    const key = typeof encoded === 'string' ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES || keyIdOf(key) !== kid) {
      throw new SecretError(`The keyring ${file} holds a damaged key (id ${kid})`);
    }
    keys.set(kid, key);
  }
  if (!keys.has(data.activeKeyId)) {
    throw new SecretError(`The keyring ${file} names an active key it does not hold`);
  }
  const retired = new Map<string, string>();
  if (data.retired && typeof data.retired === 'object') {
    for (const [kid, at] of Object.entries(data.retired))
      if (keys.has(kid) && typeof at === 'string') retired.set(kid, at);
  }
  return { activeKeyId: data.activeKeyId, keys, retired };
}

function serializeKeyring(
  activeKeyId: string,
  keys: Map<string, Buffer>,
  retired = new Map<string, string>(),
): string {
  const file: KeyringFile = {
    activeKeyId,
    keys: Object.fromEntries([...keys].map(([kid, key]) => [kid, key.toString('base64')])),
  };
  if (retired.size > 0) file.retired = Object.fromEntries(retired);
  return `${JSON.stringify(file, null, 2)}\n`;
}

function tempPathFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** Replaces the keyring file atomically (write a 0600 temp file, rename over). */
export function writeKeyringFile(
  file: string,
  activeKeyId: string,
  keys: Map<string, Buffer>,
  retired?: Map<string, string>,
): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  writeFileSync(temp, serializeKeyring(activeKeyId, keys, retired), { mode: 0o600, flag: 'wx' });
  try {
    renameSync(temp, file);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/**
 * Creates the keyring file with one new key unless it exists. Safe when two processes (web
 * server and worker) start at once: the file appears complete or not at all (hard link of a
 * finished temp file, which fails if another process won).
 */
function createKeyringFileIfMissing(file: string): void {
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  const key = generateSecretKey();
  const kid = keyIdOf(key);
  const temp = tempPathFor(file);
  writeFileSync(temp, serializeKeyring(kid, new Map([[kid, key]])), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * The keys in force, read afresh on every call (a rotation by the CLI is seen at once by the web
 * server and the worker). With AURA_SECRET_KEY set, its keys (plus those of an existing keyring
 * file, for decryption only); otherwise the keyring file, generated on first use with mode 0600
 * (a broader mode is narrowed back to 0600).
 */
export function loadKeyring(options: SecretOptions = {}): Keyring {
  const env = options.env ?? process.env;
  const file = keyringPath({ ...options, env });
  const fromEnv = envSecretKeys(env);
  if (fromEnv) {
    const keys = new Map<string, Buffer>();
    const stored = existsSync(file) ? parseKeyringFile(file) : null;
    for (const [kid, key] of stored?.keys ?? []) keys.set(kid, key);
    for (const key of fromEnv) keys.set(keyIdOf(key), key);
    const retired = stored?.retired ?? new Map<string, string>();
    return { activeKeyId: keyIdOf(fromEnv[0]), keys, source: 'env', file, retired };
  }
  createKeyringFileIfMissing(file);
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const { activeKeyId, keys, retired } = parseKeyringFile(file);
  return { activeKeyId, keys, source: 'file', file, retired };
}

/**
 * Every key that can decrypt (AURA_SECRET_KEY and the keyring file), WITHOUT creating a keyring
 * file: what a restore checks a backup against. Empty when there is neither.
 */
export function availableSecretKeys(options: SecretOptions = {}): Map<string, Buffer> {
  const env = options.env ?? process.env;
  const file = keyringPath({ ...options, env });
  const keys = new Map<string, Buffer>();
  if (existsSync(file)) for (const [kid, key] of parseKeyringFile(file).keys) keys.set(kid, key);
  for (const key of envSecretKeys(env) ?? []) keys.set(keyIdOf(key), key);
  return keys;
}

/** Whether a stored Value is an encryption envelope. */
export function isEncryptedValue(value: unknown): value is EncryptedValue {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    v.$enc === SECRET_ALGORITHM &&
    typeof v.kid === 'string' &&
    typeof v.iv === 'string' &&
    typeof v.tag === 'string' &&
    typeof v.ct === 'string'
  );
}

/**
 * Encrypts `plaintext` under the keyring's active key (or `keyId`), authenticated with `aad`
 * (the configuration Key). Returns the envelope as JSON text, ready for the Value column.
 */
export function encryptSecret(
  keyring: Keyring,
  aad: string,
  plaintext: string,
  keyId: string = keyring.activeKeyId,
): string {
  const key = keyring.keys.get(keyId);
  if (!key) throw new SecretError(`Secret key ${keyId} is not in the keyring`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(SECRET_ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const envelope: EncryptedValue = {
    $enc: SECRET_ALGORITHM,
    kid: keyId,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
  return JSON.stringify(envelope);
}

/** The key id an envelope was made with, or null when `stored` is not an envelope. */
export function encryptedKeyId(stored: string): string | null {
  try {
    const parsed: unknown = JSON.parse(stored);
    return isEncryptedValue(parsed) ? parsed.kid : null;
  } catch {
    return null;
  }
}

/**
 * Decrypts an envelope made by encryptSecret with the same `aad`. A missing key, a different
 * `aad` or any tampering fails with a SecretError that names neither key nor plaintext.
 */
export function decryptSecret(
  keyring: Pick<Keyring, 'keys'> & Partial<Pick<Keyring, 'source'>>,
  aad: string,
  stored: string,
): string {
  let envelope: unknown;
  try {
    envelope = JSON.parse(stored);
  } catch {
    envelope = null;
  }
  if (!isEncryptedValue(envelope)) {
    throw new SecretError(`The stored value of '${aad}' is not an encrypted value`);
  }
  const key = keyring.keys.get(envelope.kid);
  if (!key) {
    throw new SecretError(
      `The value of '${aad}' was encrypted with key ${envelope.kid}, which is not available` +
        (keyring.source === 'env'
          ? ` (was ${SECRET_KEY_ENV} changed before the values were re-encrypted? list the old key after the new one, comma-separated)`
          : ` (was ${SECRET_KEY_FILE} replaced or ${SECRET_KEY_ENV} unset?)`),
    );
  }
  try {
    const iv = Buffer.from(envelope.iv, 'base64');
    const tag = Buffer.from(envelope.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('bad envelope');
    const decipher = createDecipheriv(SECRET_ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(Buffer.from(envelope.ct, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new SecretError(
      `The value of '${aad}' could not be decrypted: it was altered or belongs to another key`,
    );
  }
}

// ---- where encrypted values are stored ---------------------------------------------------------

/** One undo-log change as stored in ActionLogs.PayloadJson / InversePayloadJson. */
interface LoggedChange {
  table: string;
  id: string;
  after?: Record<string, unknown> | null;
  before?: Record<string, unknown> | null;
}

/** A payload document of the undo log (the shape the api's action recorder writes). */
export interface LoggedPayload {
  changes: LoggedChange[];
}

/** Whether a stored Value text is an encryption envelope. */
export function storesSecret(value: unknown): value is string {
  return typeof value === 'string' && encryptedKeyId(value) !== null;
}

/** SQL condition (on a payload column) for undo-log rows that may hold Configurations images. */
export const LOGS_CONFIGURATIONS = `'"table":"Configurations"'`;

/**
 * The images of sensitive Configurations values inside one undo-log payload document, for reading
 * or in-place re-encryption: the configuration Key (the AAD) and the image whose `value` is the
 * stored envelope. Images keep only changed columns, so a secret is recognised by its envelope.
 */
export function loggedSecretImages(
  doc: LoggedPayload,
): { key: string; image: Record<string, unknown> }[] {
  return doc.changes
    .filter((change) => change.table === 'Configurations')
    .flatMap((change) =>
      [change.after, change.before]
        .filter((image): image is Record<string, unknown> => !!image && storesSecret(image.value))
        .map((image) => ({
          key: typeof image.key === 'string' ? image.key : String(change.id),
          image,
        })),
    );
}

/** A payload column's text as a document (none when empty). */
export function parseLoggedPayload(text: string | null): LoggedPayload {
  const parsed = text ? (JSON.parse(text) as LoggedPayload | null) : null;
  // The document itself (edited in place, written back whole), or an empty one.
  return parsed && Array.isArray(parsed.changes) ? parsed : { changes: [] };
}

/** An encrypted value stored in a database: where, its AAD (configuration Key), the envelope. */
export interface StoredSecret {
  where: string;
  aad: string;
  stored: string;
}

function tableExists(sqlite: Sqlite, table: string): boolean {
  return (
    sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !==
    undefined
  );
}

/**
 * Every encrypted value a database holds: Configurations values and the undo log's images of
 * them. Reads through the given connection by physical names (works on a backup of any age).
 */
export function storedSecrets(sqlite: Sqlite): StoredSecret[] {
  const found: StoredSecret[] = [];
  if (tableExists(sqlite, 'Configurations')) {
    const rows = sqlite
      .prepare(`SELECT Key, Value FROM Configurations WHERE instr(Value, '"$enc"') > 0`)
      .all() as { Key: string; Value: string }[];
    for (const row of rows) {
      if (storesSecret(row.Value))
        found.push({ where: `Configurations '${row.Key}'`, aad: row.Key, stored: row.Value });
    }
  }
  if (tableExists(sqlite, 'ActionLogs')) {
    const rows = sqlite
      .prepare(
        `SELECT Id, PayloadJson, InversePayloadJson FROM ActionLogs
         WHERE instr(PayloadJson, ${LOGS_CONFIGURATIONS}) > 0
            OR instr(InversePayloadJson, ${LOGS_CONFIGURATIONS}) > 0`,
      )
      .all() as { Id: string; PayloadJson: string | null; InversePayloadJson: string | null }[];
    for (const row of rows) {
      for (const text of [row.PayloadJson, row.InversePayloadJson]) {
        let doc: LoggedPayload;
        try {
          doc = parseLoggedPayload(text);
        } catch {
          continue; // not JSON: holds no envelope we could read either
        }
        for (const { key, image } of loggedSecretImages(doc))
          found.push({
            where: `undo log entry ${row.Id}`,
            aad: key,
            stored: image.value as string,
          });
      }
    }
  }
  return found;
}

export interface SecretsCheck {
  /** How many encrypted values were checked. */
  checked: number;
  /** Key ids values are encrypted with that no available key has, sorted. */
  missingKeyIds: string[];
  /** Values whose key is available but that do not decrypt (altered), by where they are. */
  undecryptable: string[];
}

/** Decrypts each stored value with `keys` (keeping nothing) and reports what cannot be read. */
export function checkStoredSecrets(
  secrets: StoredSecret[],
  keys: Map<string, Buffer>,
): SecretsCheck {
  const missing = new Set<string>();
  const undecryptable: string[] = [];
  for (const secret of secrets) {
    const kid = encryptedKeyId(secret.stored);
    if (kid === null) {
      // Not an encrypted value at all: nothing can decrypt it.
      undecryptable.push(secret.where);
      continue;
    }
    if (!keys.has(kid)) {
      missing.add(kid);
      continue;
    }
    try {
      decryptSecret({ keys }, secret.aad, secret.stored);
    } catch {
      undecryptable.push(secret.where);
    }
  }
  return { checked: secrets.length, missingKeyIds: [...missing].sort(), undecryptable };
}
