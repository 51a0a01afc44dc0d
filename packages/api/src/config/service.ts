import {
  actionLogs,
  configurations,
  nowIso,
  users,
  findAnyById,
  ForbiddenError,
  InvalidInputError,
  stampInsert,
  stampRowImage,
  NotFoundError,
  PreconditionError,
  StateError,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type ConfigValueType,
  type Configuration,
  type UserRole,
  decryptSecret,
  encryptedKeyId,
  encryptSecret,
  envSecretKeys,
  generateSecretKey,
  keyIdOf,
  loadKeyring,
  loggedSecretImages,
  parseLoggedPayload,
  parseSecretKey,
  SECRET_KEY_ENV,
  SecretError,
  writeKeyringFile,
  type Keyring,
  type SecretOptions,
} from '@aura/db';
import { cachedUntilChanged } from '../db-changes';
import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { z } from 'zod';
import { ACTION_TTL_DAYS, nextActionTime, undoableWrite } from '../actions/recorder';
import { highestLoggedRowVersions } from '../actions/highest-version';
import {
  isInstallationSetting,
  isMaintenanceSettingKey,
  maintenanceCategoryOf,
  maintenanceValueProblem,
} from '../maintenance/settings';
import { keyset, type Page } from '../paging';
import {
  CONFIG_VALUE_MAX_CHARS,
  type ConfigDeactivateInput,
  type ConfigGetInput,
  type ConfigHistoryQuery,
  type ConfigListQuery,
  type ConfigRevealInput,
  type ConfigSetInput,
} from './schema';

/**
 * A configuration row as callers see it: `value` is the parsed JSON value, except for a sensitive
 * key, whose value is never returned by reads and lists (`value: null, redacted: true`); only an
 * admin's `reveal` decrypts it.
 */
export type ConfigView = Omit<Configuration, 'value'> & { value: unknown; redacted: boolean };

export type ConfigListPage = Page<ConfigView>;

export interface RevealedConfig {
  key: string;
  value: unknown;
  valueType: ConfigValueType;
  isSensitive: boolean;
  isActive: boolean;
  rowVersion: number;
}

/** Any JSON value: what a Value column holds (its valueType is checked on write). */
const jsonValue = z.json();

/** A stored Value's JSON text as the value (plaintext: decrypt a sensitive one first). */
function parseValue(text: string): z.infer<typeof jsonValue> {
  return jsonValue.parse(JSON.parse(text));
}

export function toConfigView(row: Configuration): ConfigView {
  if (row.isSensitive) return { ...row, value: null, redacted: true };
  return { ...row, value: parseValue(row.value), redacted: false };
}

/** Secret-handling failures (bad AURA_SECRET_KEY, lost key) as a clear error without secrets. */
function withSecrets<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof SecretError) {
      throw new PreconditionError(error.message);
    }
    throw error;
  }
}

function findConfig(db: AuraDb, key: string): Configuration | undefined {
  return findAnyById(db, configurations, key);
}

/** Keys read since the database last changed, per connection (at most CONFIG_CACHE_MAX). */
const configRowsRead = cachedUntilChanged(() => new Map<string, Configuration | undefined>());
const CONFIG_CACHE_MAX = 1_000;

/** A key's row as last read, read again only once the database changed (see changeKey). */
function readConfig(db: AuraDb, key: string): Configuration | undefined {
  const rows = configRowsRead(db);
  if (rows.has(key)) return rows.get(key);
  const row = findConfig(db, key);
  if (rows.size >= CONFIG_CACHE_MAX) rows.clear();
  rows.set(key, row && Object.freeze(row));
  return row;
}

/** One key; a deactivated one is NOT_FOUND unless `includeInactive`. Sensitive values redacted. */
export function getConfig(db: AuraDb, input: ConfigGetInput): ConfigView {
  const row = readConfig(db, input.key);
  if (!row) throw new NotFoundError('Configurations', input.key);
  if (!row.isActive && !input.includeInactive) {
    throw new NotFoundError(
      'Configurations',
      input.key,
      `Configuration '${input.key}' is inactive (pass includeInactive to read it)`,
    );
  }
  return toConfigView(row);
}

/**
 * The list query of one category, ordered by Key (limit + 1 rows, to know whether another page
 * follows). Exposed for the EXPLAIN QUERY PLAN tests.
 */
export function buildConfigListQuery(db: AuraDb, query: ConfigListQuery) {
  const order = configKeyset(query.category);
  const conditions: (SQL | undefined)[] = [
    eq(configurations.category, query.category),
    order.after(query.cursor),
  ];
  if (!query.includeInactive) conditions.push(eq(configurations.isActive, true));
  return db
    .select()
    .from(configurations)
    .where(and(...conditions))
    .orderBy(...order.orderBy)
    .limit(query.limit + 1);
}

/**
 * A category's keys by Key (the primary key, so also the tie-breaker). The category is part of
 * the list's name: a cursor of another category is refused on `cursor`.
 */
function configKeyset(category: string) {
  return keyset<Pick<Configuration, 'key'>>(`config:${category}`, [
    { column: configurations.key, direction: 'asc', of: (row) => row.key },
  ]);
}

/** One page of a category's keys (active only unless `includeInactive`), sensitive values redacted. */
export function listConfig(db: AuraDb, query: ConfigListQuery): ConfigListPage {
  const page = configKeyset(query.category).page(
    buildConfigListQuery(db, query).all(),
    query.limit,
  );
  return { items: page.items.map(toConfigView), nextCursor: page.nextCursor };
}

/** At most this many categories are listed (the settings page's sections). */
export const CONFIG_CATEGORIES_MAX = 200;

/**
 * The categories that have keys, by name, with how many keys are active and how many inactive
 * (the settings page's sections). Read through the (Category, IsActive) index.
 */
export function listConfigCategories(
  db: AuraDb,
): { category: string; active: number; inactive: number }[] {
  return db
    .select({
      category: configurations.category,
      active: sql<number>`sum(${configurations.isActive} = 1)`,
      inactive: sql<number>`sum(${configurations.isActive} = 0)`,
    })
    .from(configurations)
    .groupBy(configurations.category)
    .orderBy(configurations.category)
    .limit(CONFIG_CATEGORIES_MAX)
    .all();
}

/** What kind of value this is, for error messages (never the value itself: it may be a secret). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : 'a non-finite number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * Checks `value` against `valueType` and returns its JSON text (the Value column's form). A
 * mismatch is BAD_REQUEST on `value`, describing the kind received, never the value.
 */
export function encodeConfigValue(valueType: ConfigValueType, value: unknown): string {
  const expected: Record<ConfigValueType, string> = {
    string: 'a string',
    number: 'a finite number',
    boolean: 'true or false',
    json: 'JSON (an object, array, string, finite number, boolean or null)',
  };
  const ok =
    valueType === 'string'
      ? typeof value === 'string'
      : valueType === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : valueType === 'boolean'
          ? typeof value === 'boolean'
          : value !== undefined && jsonValue.safeParse(value).success;
  if (!ok) {
    throw new InvalidInputError(
      'value',
      `must be ${expected[valueType]} for valueType '${valueType}', got ${kindOf(value)}`,
    );
  }
  const text = JSON.stringify(value);
  if (text.length > CONFIG_VALUE_MAX_CHARS) {
    throw new InvalidInputError(
      'value',
      `is too large (${text.length} characters as JSON; at most ${CONFIG_VALUE_MAX_CHARS})`,
    );
  }
  return text;
}

/** Who is writing a setting: the API passes the caller's role; trusted in-process callers none. */
export interface ConfigWriteOptions {
  role?: UserRole;
}

/**
 * Installation-wide settings (category or key prefix Retention, Backup, System: the worker's
 * retention, the backups) are an admin's: FORBIDDEN for anyone else, whatever the row's category
 * was or is about to become.
 */
function assertMayWrite(
  role: UserRole | undefined,
  key: string,
  categories: (string | null | undefined)[],
): void {
  if (role === undefined || role === 'admin') return;
  if (categories.some((category) => isInstallationSetting(key, category))) {
    throw new ForbiddenError(
      `'${key}' is an installation-wide setting (Retention, Backup, System): only an admin can change it`,
    );
  }
}

/**
 * The worker's settings hold whole numbers within MAINTENANCE_BOUNDS, in their own category, in
 * clear: BAD_REQUEST naming the key and the range otherwise.
 */
function checkMaintenanceValue(
  key: string,
  value: unknown,
  category: string,
  valueType: ConfigValueType,
  isSensitive: boolean,
): void {
  if (!isMaintenanceSettingKey(key)) return;
  if (category !== maintenanceCategoryOf(key)) {
    throw new InvalidInputError(
      'category',
      `${key} belongs to category ${maintenanceCategoryOf(key)}`,
    );
  }
  if (valueType !== 'number') throw new InvalidInputError('valueType', `${key} is a number`);
  if (isSensitive) throw new InvalidInputError('isSensitive', `${key} is not a secret`);
  const problem = maintenanceValueProblem(key, value);
  if (problem) throw new InvalidInputError('value', problem);
}

/**
 * Creates a key (no `rowVersion`) or updates it (`rowVersion` = the version read; stale:
 * CONFLICT). Installation-wide keys: admin only (see assertMayWrite); the worker's settings are
 * checked against their ranges. Each change bumps `Version`; setting a deactivated key
 * reactivates it. A sensitive value is encrypted before it reaches the database; the returned
 * view is redacted.
 */
export function setConfig(
  db: AuraDb,
  actor: Actor,
  input: ConfigSetInput,
  options: SecretOptions & ConfigWriteOptions = {},
): ConfigView {
  const written = withSecrets(() =>
    undoableWrite(
      db,
      actor,
      ({ description }: { description: string }) => ({ type: 'config.set', description }),
      (tx, tracker) => {
        const current = findConfig(tx, input.key);
        assertMayWrite(options.role, input.key, [current?.category, input.category]);
        const target = writeTarget(input, current);
        const { valueType, category } = target;
        const isSensitive = input.isSensitive ?? current?.isSensitive ?? false;
        const json = encodeConfigValue(valueType, input.value);
        checkMaintenanceValue(input.key, input.value, category, valueType, isSensitive);
        // The keyring is read inside the write lock, so a concurrent rotation cannot retire the
        // key between encrypting and committing (see rotateSecrets).
        const value = isSensitive ? encryptSecret(loadKeyring(options), input.key, json) : json;

        // The undo log keeps row images: the stored Value, so a sensitive one only as ciphertext.
        // The description never holds a value.
        const description = current
          ? `Changed ${isSensitive ? 'sensitive ' : ''}setting "${input.key}"${current.isActive ? '' : ' (reactivated)'}`
          : `Created ${isSensitive ? 'sensitive ' : ''}setting "${input.key}"`;
        tracker.track('Configurations', [input.key]);
        const view = writeConfig(tx, actor, input, target, { value, isSensitive });
        return { view, description };
      },
    ),
  );
  return written.view;
}

interface WriteTarget {
  category: string;
  valueType: ConfigValueType;
  /** The RowVersion the caller read of an existing key; null for a new key. */
  rowVersion: number | null;
}

/**
 * What setConfig writes to: a new key needs its category and ValueType (and no RowVersion); an
 * existing key keeps its own unless changed, and needs the RowVersion the caller read.
 */
function writeTarget(input: ConfigSetInput, current: Configuration | undefined): WriteTarget {
  if (!current) {
    if (input.rowVersion !== undefined) throw new NotFoundError('Configurations', input.key);
    if (!input.category) throw new InvalidInputError('category', 'is required to create a key');
    if (!input.valueType) throw new InvalidInputError('valueType', 'is required to create a key');
    return { category: input.category, valueType: input.valueType, rowVersion: null };
  }
  if (input.rowVersion === undefined) {
    throw new StateError(
      `Configuration '${input.key}' already exists (rowVersion ${current.rowVersion}); to change it, send the rowVersion you read`,
    );
  }
  return {
    category: input.category ?? current.category,
    valueType: input.valueType ?? current.valueType,
    rowVersion: input.rowVersion,
  };
}

/** The insert or versioned update of setConfig (inside its transaction and logged action). */
function writeConfig(
  tx: AuraDb,
  actor: Actor,
  input: ConfigSetInput,
  { category, valueType, rowVersion }: WriteTarget,
  { value, isSensitive }: Pick<Configuration, 'value' | 'isSensitive'>,
): ConfigView {
  if (rowVersion === null) {
    // A key removed by an undo may be created again: it must not come back at a RowVersion a
    // client read in its earlier life.
    const logged = highestLoggedRowVersions(tx, 'Configurations', [input.key]).get(input.key);
    const inserted = stampInsert(
      configurations,
      {
        key: input.key,
        value,
        category,
        valueType,
        description: input.description ?? null,
        isSensitive,
        version: 1,
        isActive: true,
      },
      actor,
    );
    const row = tx
      .insert(configurations)
      .values(stampRowImage(configurations, inserted, (logged ?? 0) + 1, actor))
      .returning()
      .get();
    return toConfigView(row);
  }
  const row = versionedUpdate(
    tx,
    configurations,
    { id: input.key, rowVersion },
    {
      value,
      valueType,
      isSensitive,
      isActive: true,
      ...(input.category !== undefined && { category: input.category }),
      ...(input.description !== undefined && { description: input.description }),
    },
    actor,
    { extra: { version: sql`${configurations.version} + 1` } },
  );
  return toConfigView(row);
}

/** Deactivates a key (kept, hidden from default reads and lists); bumps `Version`. */
export function deactivateConfig(
  db: AuraDb,
  actor: Actor,
  input: ConfigDeactivateInput,
  options: ConfigWriteOptions = {},
): ConfigView {
  return undoableWrite(
    db,
    actor,
    { type: 'config.deactivate', description: `Deactivated setting "${input.key}"` },
    (tx, tracker) => {
      const current = findConfig(tx, input.key);
      assertMayWrite(options.role, input.key, [current?.category]);
      if (!current) throw new NotFoundError('Configurations', input.key);
      if (!current.isActive) {
        throw new StateError(`Configuration '${input.key}' is already inactive`);
      }
      tracker.track('Configurations', [input.key]);
      const row = versionedUpdate(
        tx,
        configurations,
        { id: input.key, rowVersion: input.rowVersion },
        { isActive: false },
        actor,
        { extra: { version: sql`${configurations.version} + 1` } },
      );
      return toConfigView(row);
    },
  );
}

/**
 * The value of one key, decrypted when sensitive (admin only at the API). Each reveal by a user
 * is written to the action log (`config.reveal`, not undoable: nothing changed), in the same
 * transaction as the read, so a reveal that returned a value is always on record.
 */
export function revealConfig(
  db: AuraDb,
  input: ConfigRevealInput,
  options: SecretOptions & { actor?: Actor } = {},
): RevealedConfig {
  const { row, json } = writeTransaction(db, (tx) => {
    const found = findConfig(tx, input.key);
    if (!found) throw new NotFoundError('Configurations', input.key);
    const plaintext = found.isSensitive
      ? withSecrets(() => decryptSecret(loadKeyring(options), found.key, found.value))
      : found.value;
    if (options.actor) logReveal(tx, options.actor, found);
    return { row: found, json: plaintext };
  });
  return {
    key: row.key,
    value: parseValue(json),
    valueType: row.valueType,
    isSensitive: row.isSensitive,
    isActive: row.isActive,
    rowVersion: row.rowVersion,
  };
}

const DAY_MS = 86_400_000;
/** The action types that concern one key, as config.history lists them. */
export const CONFIG_HISTORY_TYPES = ['config.set', 'config.deactivate', 'config.reveal'] as const;

/** Records a reveal in the action log: not undoable (status Expired, no row images). */
function logReveal(tx: AuraDb, actor: string, row: Configuration): void {
  const now = nextActionTime(tx, actor, new Date());
  const at = nowIso(now);
  tx.insert(actionLogs)
    .values(
      stampInsert(
        actionLogs,
        {
          userId: actor,
          actionType: 'config.reveal',
          description: `Revealed ${row.isSensitive ? 'sensitive ' : ''}setting "${row.key}"`,
          timestamp: at,
          status: 'Expired',
          errorMessage: 'Not undoable: revealing a value changes nothing',
          affectedResourceIds: row.key,
          isPersistent: true,
          expiresAt: nowIso(new Date(now.getTime() + ACTION_TTL_DAYS.persistent * DAY_MS)),
        },
        actor,
        at,
      ),
    )
    .run();
}

/** One entry of a key's history. Values only for non-sensitive keys; a secret is never shown. */
export interface ConfigHistoryItem {
  id: string;
  actionType: string;
  description: string;
  timestamp: string;
  status: string;
  undoneAt: string | null;
  userId: string;
  /** Who did it (their display name), or null when the user no longer exists. */
  userName: string | null;
  /** The value the action wrote, when it wrote one, the key is not sensitive and undo kept it. */
  value: unknown;
  /** True when the action wrote a value that is not shown because it is (or was) sensitive. */
  valueRedacted: boolean;
}

const historyOrder = keyset<{ timestamp: string; id: string }>('config:history', [
  { column: actionLogs.timestamp, direction: 'desc', of: (row) => row.timestamp },
  { column: actionLogs.id, direction: 'desc', of: (row) => row.id },
]);

/** The history query of one key, newest first. Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildConfigHistoryQuery(db: AuraDb, query: ConfigHistoryQuery) {
  return db
    .select({
      id: actionLogs.id,
      actionType: actionLogs.actionType,
      description: actionLogs.description,
      timestamp: actionLogs.timestamp,
      status: actionLogs.status,
      undoneAt: actionLogs.undoneAt,
      userId: actionLogs.userId,
      userName: users.displayName,
      payloadJson: actionLogs.payloadJson,
    })
    .from(actionLogs)
    .leftJoin(users, eq(users.id, actionLogs.userId))
    .where(
      and(
        inArray(actionLogs.actionType, [...CONFIG_HISTORY_TYPES]),
        // Every config action touches exactly the one key it names.
        eq(actionLogs.affectedResourceIds, query.key),
        historyOrder.after(query.cursor),
      ),
    )
    .orderBy(...historyOrder.orderBy)
    .limit(query.limit + 1);
}

const loggedImages = z.object({
  changes: z.array(
    z.object({
      table: z.string(),
      id: z.string(),
      after: z.record(z.string(), z.unknown()).nullish(),
    }),
  ),
});

/** The Value an action's after-image holds for `key`, unless it is (or may be) a secret. */
function loggedValue(
  payloadJson: string | null,
  key: string,
  sensitiveNow: boolean,
): { value: unknown; valueRedacted: boolean } {
  if (!payloadJson) return { value: null, valueRedacted: false };
  let parsed;
  try {
    parsed = loggedImages.safeParse(JSON.parse(payloadJson));
  } catch {
    return { value: null, valueRedacted: false };
  }
  if (!parsed.success) return { value: null, valueRedacted: false };
  const image = parsed.data.changes.find(
    (c) => c.table === 'Configurations' && c.id === key,
  )?.after;
  if (!image || typeof image.value !== 'string') return { value: null, valueRedacted: false };
  if (sensitiveNow || image.isSensitive === true || encryptedKeyId(image.value) !== null) {
    return { value: null, valueRedacted: true };
  }
  try {
    return { value: parseValue(image.value), valueRedacted: false };
  } catch {
    return { value: null, valueRedacted: false };
  }
}

/**
 * A key's history from the action log, newest first: who changed, deactivated or revealed it and
 * when, with the value written for a non-sensitive key. Bounded by the log's own retention.
 */
export function configHistory(db: AuraDb, query: ConfigHistoryQuery): Page<ConfigHistoryItem> {
  const sensitiveNow = findConfig(db, query.key)?.isSensitive ?? false;
  const page = historyOrder.page(buildConfigHistoryQuery(db, query).all(), query.limit);
  return {
    items: page.items.map(({ payloadJson, ...item }) => ({
      ...item,
      ...loggedValue(payloadJson, query.key, sensitiveNow),
    })),
    nextCursor: page.nextCursor,
  };
}

// ---- key rotation --------------------------------------------------------------------------

export interface RotateSecretsOptions extends SecretOptions {
  /**
   * The new key (base64 or hex of 32 bytes). Required when AURA_SECRET_KEY is set (the operator
   * owns that key); optional otherwise (default: a generated one).
   */
  newKey?: string | Buffer;
  /** When the previous key is recorded as retired; default now. */
  now?: Date;
}

export interface RotateSecretsResult {
  source: Keyring['source'];
  /** The key that encrypted new values before the rotation. */
  previousKeyId: string;
  /** The key every sensitive value is now encrypted with. */
  activeKeyId: string;
  /** How many sensitive rows were re-encrypted. */
  reencrypted: number;
  /**
   * Keys that stopped encrypting with this rotation. They still decrypt and are never deleted:
   * a kept backup may hold values under them (db:restore checks, and names any missing key).
   */
  retiredKeyIds: string[];
  /** What the operator must still do (AURA_SECRET_KEY mode), or null. */
  operatorAction: string | null;
}

/**
 * The undo log's copies of sensitive values: its row images of Configurations hold the stored
 * Value (ciphertext), which undo writes back as is. A rotation re-encrypts them with the rows, so
 * everything live is under the active key (the retired keys remain for old backups).
 */
function loggedConfigActions(db: AuraDb) {
  const mentions = (column: SQLiteColumn) => sql`instr(${column}, '"table":"Configurations"') > 0`;
  return db
    .select({
      id: actionLogs.id,
      payloadJson: actionLogs.payloadJson,
      inversePayloadJson: actionLogs.inversePayloadJson,
    })
    .from(actionLogs)
    .where(or(mentions(actionLogs.payloadJson), mentions(actionLogs.inversePayloadJson)))
    .all();
}

/**
 * Re-encrypts the undo log's images of sensitive values under `keyId` (in the caller's
 * transaction). An image under a key the keyring does not have is left as it is.
 */
function reencryptLogged(tx: AuraDb, keyring: Keyring, keyId: string): void {
  for (const logged of loggedConfigActions(tx)) {
    const changed: { payloadJson?: string; inversePayloadJson?: string } = {};
    for (const column of ['payloadJson', 'inversePayloadJson'] as const) {
      const doc = parseLoggedPayload(logged[column]);
      let edited = false;
      for (const { key, image } of loggedSecretImages(doc)) {
        const stored = image.value as string;
        const kid = encryptedKeyId(stored);
        if (!kid || kid === keyId || !keyring.keys.has(kid)) continue;
        image.value = encryptSecret(keyring, key, decryptSecret(keyring, key, stored), keyId);
        edited = true;
      }
      if (edited) changed[column] = JSON.stringify(doc);
    }
    if (Object.keys(changed).length > 0)
      tx.update(actionLogs).set(changed).where(eq(actionLogs.id, logged.id)).run();
  }
}

/** Re-encrypts every sensitive row not yet under `keyId`, in ONE write transaction. */
function reencryptAll(db: AuraDb, keyring: Keyring, keyId: string): number {
  return writeTransaction(db, (tx) => {
    const rows = tx
      .select({ key: configurations.key, value: configurations.value })
      .from(configurations)
      .where(eq(configurations.isSensitive, true))
      .all();
    let count = 0;
    for (const row of rows) {
      if (encryptedKeyId(row.value) === keyId) continue;
      const plaintext = decryptSecret(keyring, row.key, row.value);
      // Maintenance, not an edit: the logical value is unchanged, so RowVersion, Version and
      // UpdatedAt stay as they are (an editor holding the row's version can still save).
      tx.update(configurations)
        .set({ value: encryptSecret(keyring, row.key, plaintext, keyId) })
        .where(eq(configurations.key, row.key))
        .run();
      count++;
    }
    reencryptLogged(tx, keyring, keyId);
    return count;
  });
}

function parseNewKey(newKey: string | Buffer): Buffer {
  if (Buffer.isBuffer(newKey)) {
    if (newKey.length !== 32) throw new SecretError('newKey must be 32 bytes');
    return newKey;
  }
  return parseSecretKey(newKey, 'newKey');
}

const KEEP_OLD_KEYS =
  `keep the old key(s) listed after the new one for as long as you keep backups taken before ` +
  `now: db:restore refuses a backup whose keys are missing and names them.`;

/**
 * Rotates the key of sensitive values (`pnpm aura secrets:rotate`). Keys are never deleted: the
 * previous key is retired (it stops encrypting) and stays for decryption, because values in kept
 * backups may still be under it.
 *
 * Keyring file (AURA_SECRET_KEY unset): adds a new key to the file, re-encrypts every sensitive
 * row and undo-log image under it in one write transaction, then makes it active and records the
 * previous key as retired.
 *
 * AURA_SECRET_KEY set: the key belongs to the operator, who must pass `newKey`; every row is
 * re-encrypted under it, and the operator then sets AURA_SECRET_KEY="<new>,<old>" (the result
 * says so). With AURA_SECRET_KEY="<new>,<old>" and no `newKey`, rows still under an old key are
 * moved to the first one.
 */
export function rotateSecrets(db: AuraDb, options: RotateSecretsOptions = {}): RotateSecretsResult {
  const env = options.env ?? process.env;
  const keyring = loadKeyring({ ...options, env });
  const previousKeyId = keyring.activeKeyId;

  if (keyring.source === 'env') {
    const envKeys = envSecretKeys(env);
    let target: Buffer;
    let retiredKeyIds: string[];
    let operatorAction: string;
    if (options.newKey !== undefined) {
      target = parseNewKey(options.newKey);
      if (keyIdOf(target) === previousKeyId) {
        throw new SecretError(`newKey is the key ${SECRET_KEY_ENV} already holds; pass a new one`);
      }
      retiredKeyIds = [previousKeyId];
      operatorAction =
        `Every sensitive value is now encrypted with the new key (id ${keyIdOf(target)}). ` +
        `Set ${SECRET_KEY_ENV}="<new key>,<old key>" and restart the web server and the worker ` +
        `(until then they cannot read sensitive values); ${KEEP_OLD_KEYS}`;
    } else if (envKeys && envKeys.length > 1) {
      // The first key of the variable is the active one (previousKeyId).
      target = envKeys[0];
      retiredKeyIds = envKeys.map(keyIdOf).filter((kid) => kid !== previousKeyId);
      operatorAction =
        `Every sensitive value is now encrypted with the first key of ${SECRET_KEY_ENV} ` +
        `(id ${previousKeyId}); the others only decrypt. ${KEEP_OLD_KEYS}`;
    } else {
      throw new SecretError(
        `${SECRET_KEY_ENV} is set, so the encryption key is the operator's and cannot be replaced here. ` +
          `Generate a new key (openssl rand -base64 32), run the rotation with it as the new key ` +
          `(pnpm aura secrets:rotate --new-key <key>), then set ${SECRET_KEY_ENV} to it and restart ` +
          `the web server and the worker.`,
      );
    }
    const keyId = keyIdOf(target);
    keyring.keys.set(keyId, target);
    const reencrypted = reencryptAll(db, keyring, keyId);
    return {
      source: 'env',
      previousKeyId,
      activeKeyId: keyId,
      reencrypted,
      retiredKeyIds,
      operatorAction,
    };
  }

  const newKey = options.newKey !== undefined ? parseNewKey(options.newKey) : generateSecretKey();
  const newKeyId = keyIdOf(newKey);
  if (newKeyId === previousKeyId) throw new SecretError('newKey is already the active key');
  const hadKey = keyring.keys.has(newKeyId);
  keyring.keys.set(newKeyId, newKey);
  // 1. Add the new key (not yet active): it is on disk before any row depends on it.
  writeKeyringFile(keyring.file, previousKeyId, keyring.keys, keyring.retired);
  let reencrypted: number;
  try {
    // 2. Re-encrypt every sensitive row and logged image, all or nothing.
    reencrypted = reencryptAll(db, keyring, newKeyId);
  } catch (error) {
    if (!hadKey) {
      keyring.keys.delete(newKeyId);
      writeKeyringFile(keyring.file, previousKeyId, keyring.keys, keyring.retired);
    }
    throw error;
  }
  // 3. Make it active; the previous key is retired, never deleted. A writer that read the
  //    keyring before this step still encrypts with a key that stays readable.
  keyring.retired.delete(newKeyId);
  keyring.retired.set(previousKeyId, (options.now ?? new Date()).toISOString());
  writeKeyringFile(keyring.file, newKeyId, keyring.keys, keyring.retired);
  return {
    source: 'file',
    previousKeyId,
    activeKeyId: newKeyId,
    reencrypted,
    retiredKeyIds: [previousKeyId],
    operatorAction: null,
  };
}
