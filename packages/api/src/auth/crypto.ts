import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Credentials are stored only as hashes. Passwords: scrypt (memory-hard, salted), encoded as
 * `scrypt$N$r$p$salt$hash`. Session and API tokens are 32 random bytes, so a plain SHA-256 is
 * enough to make a stolen database useless for logging in.
 */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 64 };

/** Async scrypt: it runs on the libuv thread pool, so a login never blocks other requests. */
function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keyLength, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
  });
  return [
    'scrypt',
    SCRYPT.N,
    SCRYPT.r,
    SCRYPT.p,
    salt.toString('base64'),
    hash.toString('base64'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  if (expected.length === 0) return false;
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  }).catch(() => null);
  return actual !== null && timingSafeEqual(expected, actual);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Personal API tokens start with `aura_pat_`, session tokens with `aura_ses_`. */
export const API_TOKEN_PREFIX = 'aura_pat_';
export const SESSION_TOKEN_PREFIX = 'aura_ses_';

export function newToken(prefix: string): { token: string; hash: string; display: string } {
  const token = `${prefix}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), display: token.slice(0, prefix.length + 6) };
}

/** A readable random password for generated accounts (~120 bits). */
export function generatePassword(): string {
  return randomBytes(15)
    .toString('base64url')
    .replace(/[-_]/g, 'x')
    .replace(/.{5}(?=.)/g, '$&-');
}
