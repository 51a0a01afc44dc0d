import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Credentials are stored only as hashes. Passwords: scrypt (memory-hard, salted), encoded as
 * `scrypt$N$r$p$salt$hash`. Session and API tokens are 32 random bytes, so a plain SHA-256 is
 * enough to make a stolen database useless for logging in.
 */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 64 };

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT.keyLength, {
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

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(expected, actual);
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
    .match(/.{1,5}/g)!
    .join('-');
}
