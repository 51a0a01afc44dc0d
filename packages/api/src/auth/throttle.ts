import { RateLimitError } from '@aura/db';

/**
 * Login throttling, per account and per client address. A key (an email, an address) may fail a
 * few times freely; every failure after that locks it for a doubling delay (1 s, 2 s, 4 s, … up
 * to 15 min). While a key is locked, or while its last free attempts are being checked, a login is
 * refused with TOO_MANY_REQUESTS before any password is hashed, so a flood costs no scrypt work.
 * Quiet for 15 minutes, a key is forgotten; a successful login forgets its account (not its
 * address). State is in memory, per process, and bounded (the oldest keys go first).
 */
export interface ThrottlePolicy {
  /** Failures allowed before the first lock. */
  freeFailures: number;
  /** The first lock; each later failure doubles it. */
  baseLockMs: number;
  maxLockMs: number;
  /** A key without a failure for this long starts over. */
  forgetAfterMs: number;
  /** Most keys kept; beyond it the least recently touched are dropped. */
  maxKeys: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  baseLockMs: 1_000,
  maxLockMs: 15 * 60_000,
  forgetAfterMs: 15 * 60_000,
  maxKeys: 10_000,
};

/** Looser: many people may share an address (or, without a trusted proxy, one bucket for all). */
export const ADDRESS_POLICY: ThrottlePolicy = { ...ACCOUNT_POLICY, freeFailures: 50 };

interface KeyState {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
  /** Attempts admitted and still being checked. */
  inFlight: number;
}

export class Throttle {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly policy: ThrottlePolicy) {}

  get size(): number {
    return this.keys.size;
  }

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  waitMs(key: string, now: number): number {
    const state = this.current(key, now);
    if (!state) return 0;
    if (state.lockedUntil > now) return state.lockedUntil - now;
    // Past the free failures only one attempt at a time: a burst must not all be checked at once.
    if (state.inFlight > 0 && state.failures + state.inFlight >= this.policy.freeFailures)
      return this.policy.baseLockMs;
    return 0;
  }

  begin(key: string, now: number): void {
    this.touch(key, now).inFlight += 1;
  }

  /** The end of an admitted attempt: a failure counts (and may lock), a success may forget. */
  end(key: string, now: number, outcome: 'failed' | 'succeeded' | 'forget'): void {
    const state = this.touch(key, now);
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (outcome === 'succeeded' && state.inFlight === 0) {
      this.keys.delete(key);
      return;
    }
    if (outcome !== 'failed') return;
    state.failures += 1;
    state.lastFailureAt = now;
    const over = state.failures - this.policy.freeFailures;
    if (over >= 0) {
      const lock = Math.min(
        this.policy.maxLockMs,
        this.policy.baseLockMs * 2 ** Math.min(over, 30),
      );
      state.lockedUntil = now + lock;
    }
  }

  private current(key: string, now: number): KeyState | undefined {
    const state = this.keys.get(key);
    if (state && this.stale(state, now)) {
      this.keys.delete(key);
      return undefined;
    }
    return state;
  }

  private stale(state: KeyState, now: number): boolean {
    return (
      state.inFlight === 0 &&
      state.lockedUntil <= now &&
      now - state.lastFailureAt > this.policy.forgetAfterMs
    );
  }

  /** The key's state, moved to the most recently used end; the map never exceeds maxKeys. */
  private touch(key: string, now: number): KeyState {
    const state = this.current(key, now) ?? {
      failures: 0,
      lastFailureAt: now,
      lockedUntil: 0,
      inFlight: 0,
    };
    this.keys.delete(key);
    this.keys.set(key, state);
    while (this.keys.size > this.policy.maxKeys) {
      const oldest = this.keys.keys().next().value as string;
      this.keys.delete(oldest);
    }
    return state;
  }
}

/**
 * Passwords checked at once, across all accounts and addresses: each scrypt costs ~16 MiB and a
 * core for tens of milliseconds, so many clients guessing many accounts cannot starve the process.
 */
export const MAX_CONCURRENT_CHECKS = 8;

export interface LoginThrottle {
  accounts: Throttle;
  addresses: Throttle;
  /** Attempts admitted and not finished. */
  checking: number;
}

export function createLoginThrottle(
  policies: { account?: ThrottlePolicy; address?: ThrottlePolicy } = {},
): LoginThrottle {
  return {
    accounts: new Throttle(policies.account ?? ACCOUNT_POLICY),
    addresses: new Throttle(policies.address ?? ADDRESS_POLICY),
    checking: 0,
  };
}

/** Clients that do not say where they come from share this address bucket. */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * Admits one login attempt for `account` from `address` or throws RateLimitError saying when
 * to retry. The returned function records the outcome; call it exactly once.
 */
export function admitLogin(
  throttle: LoginThrottle,
  account: string,
  address: string | null,
  now: number,
): (outcome: 'failed' | 'succeeded' | 'forget') => void {
  const addressKey = address ?? UNKNOWN_ADDRESS;
  const wait = Math.max(
    throttle.accounts.waitMs(account, now),
    throttle.addresses.waitMs(addressKey, now),
  );
  if (wait === 0 && throttle.checking >= MAX_CONCURRENT_CHECKS) {
    throw new RateLimitError('Too many sign-ins are being checked at once: try again in 1 second');
  }
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new RateLimitError(
      `Too many failed sign-in attempts: try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
    );
  }
  throttle.accounts.begin(account, now);
  throttle.addresses.begin(addressKey, now);
  throttle.checking += 1;
  return (outcome) => {
    throttle.checking -= 1;
    throttle.accounts.end(account, now, outcome);
    // A success does not clear the address: one good account must not unlock a guessing address.
    throttle.addresses.end(addressKey, now, outcome === 'succeeded' ? 'forget' : outcome);
  };
}
