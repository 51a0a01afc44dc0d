import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  apiTokens,
  auditedUpdateWhere,
  dataDirectory,
  findAnyById,
  ForbiddenError,
  getById,
  insertAudited,
  InvalidInputError,
  NotFoundError,
  nowIso,
  sessions,
  stampInsert,
  StateError,
  UnauthenticatedError,
  users,
  versionedUpdate,
  writeTransaction,
  type AuraDb,
  type Sqlite,
  type UserRole,
} from '@aura/db';
import { and, asc, desc, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import {
  API_TOKEN_PREFIX,
  SESSION_TOKEN_PREFIX,
  generatePassword,
  hashPassword,
  hashToken,
  newToken,
  verifyPassword,
} from './crypto';
import type { UserUpdateInput } from './schema';
import { admitLogin, createLoginThrottle, type LoginThrottle } from './throttle';

/** The authenticated caller of a procedure. */
export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  role: UserRole;
  via: 'session' | 'token';
}

export const SESSION_COOKIE = 'aura_session';
const SESSION_DAYS = 7;
const DAY_MS = 86_400_000;
/** LastSeenAt/LastUsedAt are written at most this often per session or token. */
const TOUCH_INTERVAL_MS = 60_000;

const userView = {
  id: users.id,
  email: users.email,
  displayName: users.displayName,
  role: users.role,
  isActive: users.isActive,
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
  rowVersion: users.rowVersion,
};

export type UserView = {
  [K in keyof typeof userView]: (typeof users.$inferSelect)[K];
};

function toView(row: typeof users.$inferSelect): UserView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role: row.role,
    isActive: row.isActive,
    lastLoginAt: row.lastLoginAt,
    createdAt: row.createdAt,
    rowVersion: row.rowVersion,
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// ---- users -------------------------------------------------------------------------------

export interface CreateUserInput {
  email: string;
  displayName?: string;
  role: UserRole;
  /** Generated (and returned once) when not given. */
  password?: string;
}

export async function createUser(
  db: AuraDb,
  actor: string | null,
  input: CreateUserInput,
): Promise<{ user: UserView; password: string }> {
  const password = input.password ?? generatePassword();
  // Hashed before the (synchronous) write, off the event loop.
  const passwordHash = await hashPassword(password);
  return { user: insertUser(db, actor, input, passwordHash), password };
}

/** Inserts a user with an already hashed password (createUser hashes it first). */
export function insertUser(
  db: AuraDb,
  actor: string | null,
  input: Omit<CreateUserInput, 'password'>,
  passwordHash: string,
): UserView {
  const email = normalizeEmail(input.email);
  if (db.select({ id: users.id }).from(users).where(eq(users.email, email)).get()) {
    throw new StateError(`A user with the email ${email} already exists`);
  }
  const row = insertAudited(
    db,
    users,
    {
      email,
      displayName: input.displayName?.trim() || email.slice(0, email.indexOf('@')) || email,
      role: input.role,
      passwordHash,
    },
    actor,
  );
  return toView(row);
}

export function listUsers(db: AuraDb): UserView[] {
  return db.select(userView).from(users).orderBy(asc(users.email)).all();
}

export function findUserByEmail(db: AuraDb, email: string): UserView | undefined {
  return db
    .select(userView)
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .get();
}

/** Admin changes to a user (role, active, name). The last active admin cannot be demoted. */
export function updateUser(db: AuraDb, actor: string, input: UserUpdateInput): UserView {
  const view = writeTransaction(db, (tx) => {
    const current = getById(tx, users, input.id);
    const losesAdmin =
      current.role === 'admin' &&
      current.isActive &&
      ((input.role !== undefined && input.role !== 'admin') || input.isActive === false);
    if (losesAdmin) {
      const admins =
        tx
          .select({ n: sql<number>`count(*)` })
          .from(users)
          .where(and(eq(users.role, 'admin'), eq(users.isActive, true)))
          .get()?.n ?? 0;
      if (admins <= 1)
        throw new StateError('The last active admin cannot be demoted or deactivated');
    }
    const updated = versionedUpdate(
      tx,
      users,
      { id: input.id, rowVersion: input.rowVersion },
      { role: input.role, isActive: input.isActive, displayName: input.displayName?.trim() },
      actor,
    );
    if (input.isActive === false) tx.delete(sessions).where(eq(sessions.userId, input.id)).run();
    return toView(updated);
  });
  // After the commit: a request resolved in between would cache the old role again.
  invalidatePrincipals(db);
  return view;
}

/**
 * An admin sets a new generated password for another user (returned once, stored only as its
 * hash) and ends that user's sessions. Their API tokens stay: they are separate credentials with
 * their own revoke. An admin's own password is changed with changeOwnPassword instead (it needs
 * the current one).
 */
export async function resetUserPassword(
  db: AuraDb,
  actor: string,
  input: { id: string },
): Promise<{ user: UserView; password: string }> {
  if (input.id === actor) {
    throw new InvalidInputError(
      'id',
      'Change your own password under My account (it asks for the current one)',
    );
  }
  // Checked before hashing, so an unknown id costs no scrypt.
  getById(db, users, input.id);
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const user = writeTransaction(db, (tx) => {
    auditedUpdateWhere(tx, users, eq(users.id, input.id), { passwordHash }, actor);
    tx.delete(sessions).where(eq(sessions.userId, input.id)).run();
    return toView(getById(tx, users, input.id));
  });
  invalidatePrincipals(db);
  return { user, password };
}

/**
 * The caller changes their own password: the current one is required (checked like a login, so
 * it is throttled the same way). Every other session of theirs ends; the one making the request
 * stays signed in. API tokens stay.
 */
export async function changeOwnPassword(
  db: AuraDb,
  caller: { userId: string; sessionToken: string | null; clientAddress?: string | null },
  input: { currentPassword: string; newPassword: string },
  now: Date = new Date(),
): Promise<{ endedSessions: number }> {
  const user = getById(db, users, caller.userId);
  const finish = admitLogin(
    loginThrottle(db),
    user.email,
    caller.clientAddress ?? null,
    now.getTime(),
  );
  let outcome: 'failed' | 'succeeded' | 'forget' = 'forget';
  try {
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      outcome = 'failed';
      throw new InvalidInputError('currentPassword', 'is not your current password');
    }
    outcome = 'succeeded';
  } finally {
    finish(outcome);
  }
  if (input.newPassword === input.currentPassword) {
    throw new InvalidInputError('newPassword', 'must differ from the current password');
  }
  const passwordHash = await hashPassword(input.newPassword);
  const endedSessions = writeTransaction(db, (tx) => {
    auditedUpdateWhere(tx, users, eq(users.id, caller.userId), { passwordHash }, caller.userId);
    return endOtherSessions(tx, caller.userId, caller.sessionToken);
  });
  invalidatePrincipals(db);
  return { endedSessions };
}

/** Deletes the user's sessions except the one of `keepToken` (all of them when null). */
function endOtherSessions(db: AuraDb, userId: string, keepToken: string | null): number {
  const others = keepToken
    ? and(eq(sessions.userId, userId), ne(sessions.tokenHash, hashToken(keepToken)))
    : eq(sessions.userId, userId);
  return db.delete(sessions).where(others).run().changes;
}

/** A session as its owner sees it: never its token or hash. */
export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  /** The session this request was made with. */
  current: boolean;
}

/** The caller's unexpired sessions, most recently seen first. */
export function listOwnSessions(
  db: AuraDb,
  userId: string,
  currentToken: string | null,
  now: Date = new Date(),
): SessionView[] {
  const currentHash = currentToken ? hashToken(currentToken) : null;
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      userAgent: sessions.userAgent,
      tokenHash: sessions.tokenHash,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, nowIso(now))))
    .orderBy(desc(sessions.lastSeenAt), asc(sessions.id))
    .all()
    .map(({ tokenHash, ...session }) => ({ ...session, current: tokenHash === currentHash }));
}

/** Ends every session of the caller except the current one. */
export function signOutOtherSessions(
  db: AuraDb,
  userId: string,
  currentToken: string | null,
): { endedSessions: number } {
  const endedSessions = writeTransaction(db, (tx) => endOtherSessions(tx, userId, currentToken));
  invalidatePrincipals(db);
  return { endedSessions };
}

// ---- sessions ----------------------------------------------------------------------------

const INVALID_LOGIN = 'Invalid email or password';

/** Login attempts of this database's users, throttled per account and per client address. */
const throttles = new WeakMap<AuraDb, LoginThrottle>();

export function loginThrottle(db: AuraDb): LoginThrottle {
  let throttle = throttles.get(db);
  if (!throttle) throttles.set(db, (throttle = createLoginThrottle()));
  return throttle;
}

export async function login(
  db: AuraDb,
  input: {
    email: string;
    password: string;
    userAgent?: string | null;
    /** The caller's address for throttling; null: the shared unknown-address bucket. */
    clientAddress?: string | null;
  },
  now: Date = new Date(),
): Promise<{ token: string; expiresAt: string; principal: Principal }> {
  const email = normalizeEmail(input.email);
  // Refused before any hashing while the account or the address is locked.
  const finish = admitLogin(loginThrottle(db), email, input.clientAddress ?? null, now.getTime());
  let outcome: 'failed' | 'succeeded' | 'forget' = 'forget';
  try {
    const user = db.select().from(users).where(eq(users.email, email)).get();
    // Same message (and a hash either way) whether the email or the password was wrong.
    const passwordOk = await verifyPassword(
      input.password,
      user?.passwordHash ?? (await dummyHash()),
    );
    if (!user || !passwordOk) {
      outcome = 'failed';
      throw new UnauthenticatedError(INVALID_LOGIN);
    }
    outcome = 'succeeded';
    if (!user.isActive) throw new ForbiddenError('This account is deactivated');
    const { token, hash } = newToken(SESSION_TOKEN_PREFIX);
    const expiresAt = nowIso(new Date(now.getTime() + SESSION_DAYS * DAY_MS));
    writeTransaction(db, (tx) => {
      tx.insert(sessions)
        .values(
          stampInsert(
            sessions,
            {
              userId: user.id,
              tokenHash: hash,
              expiresAt,
              userAgent: input.userAgent?.slice(0, 300) ?? null,
              lastSeenAt: nowIso(now),
            },
            user.id,
            nowIso(now),
          ),
        )
        .run();
      tx.update(users)
        .set({ lastLoginAt: nowIso(now) })
        .where(eq(users.id, user.id))
        .run();
      // Expired sessions of this user go now; nothing else needs them.
      tx.delete(sessions)
        .where(and(eq(sessions.userId, user.id), lt(sessions.expiresAt, nowIso(now))))
        .run();
    });
    return { token, expiresAt, principal: principalOf(user, 'session') };
  } finally {
    finish(outcome);
  }
}

/** Hashed once, on first use: an unknown email costs the same scrypt as a known one. */
let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword('not-a-real-password');
  return dummy;
}

export function logout(db: AuraDb, token: string): void {
  db.delete(sessions)
    .where(eq(sessions.tokenHash, hashToken(token)))
    .run();
  invalidatePrincipals(db);
}

function principalOf(user: typeof users.$inferSelect, via: Principal['via']): Principal {
  return {
    userId: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    via,
  };
}

function prepareCredentialLookups(db: AuraDb) {
  return {
    session: db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.tokenHash, sql.placeholder('hash')),
          gt(sessions.expiresAt, sql.placeholder('now')),
        ),
      )
      .prepare(),
    apiToken: db
      .select({ token: apiTokens, user: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.tokenHash, sql.placeholder('hash')))
      .prepare(),
  };
}

/**
 * Every request resolves its credential, so both look-ups are prepared once per connection:
 * building and compiling the join through Drizzle on each call cost more than the query itself.
 */
const preparedCredentialLookups = new WeakMap<
  AuraDb,
  ReturnType<typeof prepareCredentialLookups>
>();

function credentialLookups(db: AuraDb): ReturnType<typeof prepareCredentialLookups> {
  let lookups = preparedCredentialLookups.get(db);
  if (!lookups) {
    lookups = prepareCredentialLookups(db);
    preparedCredentialLookups.set(db, lookups);
  }
  return lookups;
}

// ---- principal cache ---------------------------------------------------------------------

/** A resolved credential is trusted this long at most before it is looked up again. */
export const PRINCIPAL_CACHE_TTL_MS = 5_000;
/** Credentials cached per connection at most; the cache starts over when it is full. */
const PRINCIPAL_CACHE_MAX = 10_000;

interface CachedCredential {
  principal: Principal;
  /** The session's or token's row, for the last-seen/last-used write. */
  rowId: string;
  expiresAt: string;
  lastTouchedMs: number;
  cachedAtMs: number;
}

interface PrincipalCache {
  /** `PRAGMA data_version`: changes when another connection (process) commits. */
  dataVersion: () => number;
  version: number;
  entries: Map<string, CachedCredential>;
}

/**
 * Resolved credentials per connection, keyed by the token's hash (never the token). Emptied at
 * once when another connection or process commits anything (data_version, checked on every
 * lookup: a revoke, deactivation or role change by the CLI or another server counts), when this
 * connection changes a credential or a user (invalidatePrincipals), and each entry after
 * PRINCIPAL_CACHE_TTL_MS. Unknown credentials are never cached.
 */
const principalCaches = new WeakMap<Sqlite, PrincipalCache>();

function principalCache(db: AuraDb): PrincipalCache {
  const sqlite = db.$client;
  let cache = principalCaches.get(sqlite);
  if (!cache) {
    const statement = sqlite.prepare<[], number>('PRAGMA data_version').pluck();
    const dataVersion = () => Number(statement.get());
    cache = { dataVersion, version: dataVersion(), entries: new Map() };
    principalCaches.set(sqlite, cache);
  }
  return cache;
}

/**
 * Forgets every cached principal of this connection. Every write in this module that can change
 * who a credential belongs to or what it may do calls it; code writing Users, Sessions or
 * ApiTokens elsewhere must too (writes from other connections are seen through data_version).
 */
export function invalidatePrincipals(db: AuraDb): void {
  principalCaches.get(db.$client)?.entries.clear();
}

function cachedCredential(
  db: AuraDb,
  hash: string,
  now: Date,
): { cache: PrincipalCache; hit: CachedCredential | undefined } {
  const cache = principalCache(db);
  const version = cache.dataVersion();
  if (version !== cache.version) {
    cache.version = version;
    cache.entries.clear();
    return { cache, hit: undefined };
  }
  const hit = cache.entries.get(hash);
  if (!hit) return { cache, hit: undefined };
  const age = now.getTime() - hit.cachedAtMs;
  if (age < 0 || age > PRINCIPAL_CACHE_TTL_MS) {
    cache.entries.delete(hash);
    return { cache, hit: undefined };
  }
  return { cache, hit };
}

function remember(cache: PrincipalCache, hash: string, entry: CachedCredential): void {
  if (cache.entries.size >= PRINCIPAL_CACHE_MAX) cache.entries.clear();
  cache.entries.set(hash, entry);
}

/** LastSeenAt/LastUsedAt: written when the last write is older than TOUCH_INTERVAL_MS. */
function touchDue(lastMs: number, now: Date): boolean {
  return now.getTime() - lastMs > TOUCH_INTERVAL_MS;
}

/** The principal of a session cookie, or null when it is unknown, expired or its user inactive. */
export function resolveSession(
  db: AuraDb,
  token: string,
  now: Date = new Date(),
): Principal | null {
  if (!token.startsWith(SESSION_TOKEN_PREFIX)) return null;
  const hash = hashToken(token);
  const at = nowIso(now);
  const { cache, hit } = cachedCredential(db, hash, now);
  if (hit?.principal.via === 'session') {
    if (hit.expiresAt <= at) return null;
    if (touchDue(hit.lastTouchedMs, now)) {
      touchSession(db, hit.rowId, at);
      hit.lastTouchedMs = now.getTime();
    }
    return hit.principal;
  }
  const row = credentialLookups(db).session.get({ hash, now: at });
  if (!row?.user.isActive) return null;
  let lastTouchedMs = Date.parse(row.session.lastSeenAt);
  if (touchDue(lastTouchedMs, now)) {
    touchSession(db, row.session.id, at);
    lastTouchedMs = now.getTime();
  }
  // Shared by the requests the cache serves: nobody may change it.
  const principal = Object.freeze(principalOf(row.user, 'session'));
  remember(cache, hash, {
    principal,
    rowId: row.session.id,
    expiresAt: row.session.expiresAt,
    lastTouchedMs,
    cachedAtMs: now.getTime(),
  });
  return principal;
}

function touchSession(db: AuraDb, id: string, at: string): void {
  db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.id, id)).run();
}

// ---- API tokens --------------------------------------------------------------------------

export const MAX_TOKEN_DAYS = 366;

export interface ApiTokenView {
  id: string;
  userId: string;
  name: string;
  tokenPrefix: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

const tokenView = {
  id: apiTokens.id,
  userId: apiTokens.userId,
  name: apiTokens.name,
  tokenPrefix: apiTokens.tokenPrefix,
  expiresAt: apiTokens.expiresAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
  createdAt: apiTokens.createdAt,
};

/** Creates a named, expiring token for `userId`. The token itself is returned once, never stored. */
export function createApiToken(
  db: AuraDb,
  actor: string,
  input: { userId: string; name: string; expiresInDays: number },
  now: Date = new Date(),
): { token: string; record: ApiTokenView } {
  const user = findAnyById(db, users, input.userId);
  if (!user) throw new NotFoundError('Users', input.userId, `User ${input.userId} was not found`);
  if (!user.isActive)
    throw new InvalidInputError(null, 'Tokens cannot be created for a deactivated user');
  const { token, hash, display } = newToken(API_TOKEN_PREFIX);
  const row = insertAudited(
    db,
    apiTokens,
    {
      userId: input.userId,
      name: input.name.trim(),
      tokenPrefix: display,
      tokenHash: hash,
      expiresAt: nowIso(new Date(now.getTime() + input.expiresInDays * DAY_MS)),
    },
    actor,
  );
  const { tokenHash: _hash, ...record } = row;
  return { token, record: pick(record) };
}

function pick(row: Omit<typeof apiTokens.$inferSelect, 'tokenHash'>): ApiTokenView {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    tokenPrefix: row.tokenPrefix,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    createdAt: row.createdAt,
  };
}

export function listApiTokens(db: AuraDb, userId?: string): ApiTokenView[] {
  const query = db.select(tokenView).from(apiTokens);
  return (userId ? query.where(eq(apiTokens.userId, userId)) : query)
    .orderBy(desc(apiTokens.createdAt))
    .all();
}

/** Revokes a token: its owner may, and an admin may revoke anyone's. */
export function revokeApiToken(
  db: AuraDb,
  principal: Pick<Principal, 'userId' | 'role'>,
  tokenId: string,
): ApiTokenView {
  const row = findAnyById(db, apiTokens, tokenId);
  if (!row || (row.userId !== principal.userId && principal.role !== 'admin')) {
    throw new NotFoundError('ApiTokens', tokenId, `API token ${tokenId} was not found`);
  }
  if (!row.revokedAt) {
    // Not a versioned update: revoking needs no RowVersion from the caller, and a second revoke
    // (racing or repeated) leaves the first one's time.
    const at = nowIso();
    auditedUpdateWhere(
      db,
      apiTokens,
      and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)),
      { revokedAt: at, revokedBy: principal.userId },
      principal.userId,
      at,
    );
    invalidatePrincipals(db);
  }
  const token = findAnyById(db, apiTokens, tokenId);
  if (!token) throw new NotFoundError('ApiTokens', tokenId);
  return pick(token);
}

/** The principal of a bearer token, or null when unknown, revoked, expired or its user inactive. */
export function resolveApiToken(
  db: AuraDb,
  token: string,
  now: Date = new Date(),
): Principal | null {
  if (!token.startsWith(API_TOKEN_PREFIX)) return null;
  const hash = hashToken(token);
  const at = nowIso(now);
  const { cache, hit } = cachedCredential(db, hash, now);
  if (hit?.principal.via === 'token') {
    if (hit.expiresAt <= at) return null;
    if (touchDue(hit.lastTouchedMs, now)) {
      touchApiToken(db, hit.rowId, at);
      hit.lastTouchedMs = now.getTime();
    }
    return hit.principal;
  }
  const row = credentialLookups(db).apiToken.get({ hash });
  if (!row || row.token.revokedAt || row.token.expiresAt <= at || !row.user.isActive) return null;
  let lastTouchedMs = row.token.lastUsedAt ? Date.parse(row.token.lastUsedAt) : 0;
  if (touchDue(lastTouchedMs, now)) {
    touchApiToken(db, row.token.id, at);
    lastTouchedMs = now.getTime();
  }
  const principal = Object.freeze(principalOf(row.user, 'token'));
  remember(cache, hash, {
    principal,
    rowId: row.token.id,
    expiresAt: row.token.expiresAt,
    lastTouchedMs,
    cachedAtMs: now.getTime(),
  });
  return principal;
}

function touchApiToken(db: AuraDb, id: string, at: string): void {
  db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id)).run();
}

// ---- first start ------------------------------------------------------------------------

export const INITIAL_ADMIN_EMAIL = 'admin@aura.local';
export const INITIAL_ADMIN_FILE = 'initial-admin-credentials.txt';

/**
 * On the first start (no users at all) creates an admin, writes its credentials to a 0600 file
 * in the data directory and returns them so the caller prints them once. Later starts: null.
 */
export async function ensureInitialAdmin(
  db: AuraDb,
  options: { dataDir?: string; email?: string; password?: string } = {},
): Promise<{ email: string; password: string; file: string } | null> {
  if (db.select({ id: users.id }).from(users).limit(1).get()) return null;
  const email = normalizeEmail(
    options.email ?? process.env.AURA_ADMIN_EMAIL ?? INITIAL_ADMIN_EMAIL,
  );
  const password = options.password ?? process.env.AURA_ADMIN_PASSWORD ?? generatePassword();
  // Hashed outside the transaction (it is synchronous); checked again inside it.
  const passwordHash = await hashPassword(password);
  return writeTransaction(db, (tx) => {
    if (tx.select({ id: users.id }).from(users).limit(1).get()) return null;
    insertUser(tx, 'system', { email, displayName: 'Administrator', role: 'admin' }, passwordHash);
    const dir = options.dataDir ?? dataDirectory();
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, INITIAL_ADMIN_FILE);
    if (existsSync(file)) chmodSync(file, 0o600);
    writeFileSync(
      file,
      `Aura Data: the first administrator, created ${nowIso()}\nemail:    ${email}\npassword: ${password}\n\nChange it or create your own admin (pnpm aura users:create), then delete this file.\n`,
      { mode: 0o600 },
    );
    chmodSync(file, 0o600);
    return { email, password, file };
  });
}
