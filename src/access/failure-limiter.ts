/**
 * Brute-force limiting of failed password, app-password and client-secret checks (PRODUCT.md "rate limits";
 * OWASP Authentication Cheat Sheet, "Protect against automated attacks"): a token bucket per
 * client address (a burst of `addressBurst`, then `addressPerMinute`) and one per account (a
 * burst of `accountBurst`, then 1 a minute), whichever is empty first.
 *
 * - `check` runs before any password is hashed and throws TooManyRequests with the seconds until
 *   the emptier bucket holds a token again (Retry-After, RFC 6585 §4). Only failures take tokens
 *   (`recordFailure`), so callers with valid credentials never drain a bucket, and credentials
 *   found in the credential cache never reach the check at all.
 * - A success refunds nothing, on purpose: an attacker with one account of their own could
 *   otherwise interleave good logins to refill their address's bucket.
 * - Buckets never go below zero: parallel attempts that all passed `check` cannot push an
 *   account's wait beyond one refill interval, so flooding an account does not lock its owner
 *   out for longer than that.
 * - Memory is bounded: one LRU of at most `maxTrackedKeys` buckets for addresses and accounts
 *   together; a forgotten bucket is a full one. A bucket stores its own refill time, so reads
 *   need no TTL and the LRU only orders by use. Accounts are keyed by a SHA-256 of the
 *   normalised name (bounded size; no usernames kept), addresses by addressLimitKey (IPv6 /64).
 *   Callers name accounts with a prefix of their kind (`user:`, `client:`), so a username can
 *   never stand for a client_id.
 * - Replicas share their limits through `shared` (the PostgreSQL store's, pg-shared-failures.ts):
 *   each failure recorded here is published, and each failure another replica recorded is taken
 *   from the same buckets here, so N replicas do not give an attacker N times the budget.
 * Pinned by test/unit/access/failure-limiter.test.ts and test/integration/pg-replicas.test.ts.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { TooManyRequests } from '../errors.js';
import { addressLimitKey } from './address-limit-key.js';

export interface FailureLimiterOptions {
  addressBurst: number;
  addressPerMinute: number;
  accountBurst: number;
  maxTrackedKeys: number;
  clock: Clock;
  /** Failures shared with other replicas; absent: this process's own only. */
  shared?: SharedFailures | undefined;
}

/** How replicas tell each other about failures (store.ts `sharedFailures`). */
export interface SharedFailures {
  /** Records one failure on the bucket `key` (of `limit`) for every replica. */
  publish(key: string, limit: Limit, atMs: number): void;
  /**
   * `failed` is called for each failure another replica records from now on; `restore` once for
   * each bucket recorded before (a replica that starts late learns what the others counted).
   */
  subscribe(failed: (key: string, atMs: number) => void, restore: (key: string, bucket: Bucket) => void): () => void;
}

export interface FailureLimiter {
  /** Throws TooManyRequests when the address's or the account's bucket is empty. */
  check(address: string, account?: string): void;
  /** Takes one token from the address's bucket and, when given, the account's. */
  recordFailure(address: string, account?: string): void;
  /** Whole seconds until the account's bucket holds a token again (rounded up); 0 when it holds one now. */
  accountWaitSeconds(account: string): number;
  /** True when every attempt the address lost has grown back (its bucket is full). */
  hasCleanRecord(address: string): boolean;
  /** Buckets held now (never more than maxTrackedKeys). */
  readonly size: number;
  /** Stops listening to other replicas' failures. */
  close(): void;
}

export interface Bucket {
  tokens: number;
  refilledAtMs: number;
}

export interface Limit {
  burst: number;
  perMinute: number;
}

/** PRODUCT.md: an account's bucket refills at 1 a minute. */
const ACCOUNT_PER_MINUTE = 1;

export function createFailureLimiter(options: FailureLimiterOptions): FailureLimiter {
  const { clock } = options;
  const buckets = new LRUCache<string, Bucket>({ max: options.maxTrackedKeys });
  const addressLimit: Limit = { burst: options.addressBurst, perMinute: options.addressPerMinute };
  const accountLimit: Limit = { burst: options.accountBurst, perMinute: ACCOUNT_PER_MINUTE };

  const addressKey = (address: string) => `address:${addressLimitKey(address)}`;
  const accountKey = (account: string) => `account:${createHash('sha256').update(account.normalize('NFKC').toLowerCase()).digest('base64url')}`;
  const keys = (address: string, account: string | undefined): [string, Limit][] => {
    const list: [string, Limit][] = [[addressKey(address), addressLimit]];
    if (account !== undefined) list.push([accountKey(account), accountLimit]);
    return list;
  };

  /** The bucket's tokens now; a bucket never seen, or forgotten, is full. */
  const tokensNow = (key: string, limit: Limit, nowMs: number): number => {
    const bucket = buckets.get(key);
    if (bucket === undefined) return limit.burst;
    return Math.min(limit.burst, bucket.tokens + (Math.max(0, nowMs - bucket.refilledAtMs) * limit.perMinute) / 60_000);
  };

  const take = (key: string, limit: Limit, nowMs: number) =>
    buckets.set(key, { tokens: Math.max(0, tokensNow(key, limit, nowMs) - 1), refilledAtMs: nowMs });
  const limitOf = (key: string) => (key.startsWith('account:') ? accountLimit : addressLimit);
  const unsubscribe = options.shared?.subscribe(
    (key) => take(key, limitOf(key), clock.nowMs()),
    (key, bucket) => {
      const limit = limitOf(key);
      const nowMs = clock.nowMs();
      const stored = Math.min(limit.burst, bucket.tokens + (Math.max(0, nowMs - bucket.refilledAtMs) * limit.perMinute) / 60_000);
      if (stored < tokensNow(key, limit, nowMs)) buckets.set(key, { tokens: stored, refilledAtMs: nowMs });
    },
  );

  return {
    check(address, account) {
      const nowMs = clock.nowMs();
      let waitMs = 0;
      for (const [key, limit] of keys(address, account)) {
        const tokens = tokensNow(key, limit, nowMs);
        if (tokens < 1) waitMs = Math.max(waitMs, ((1 - tokens) * 60_000) / limit.perMinute);
      }
      if (waitMs > 0) throw new TooManyRequests(waitMs / 1000, { description: 'Too many failed attempts; try again later.' });
    },
    recordFailure(address, account) {
      const nowMs = clock.nowMs();
      for (const [key, limit] of keys(address, account)) {
        take(key, limit, nowMs);
        options.shared?.publish(key, limit, nowMs);
      }
    },
    accountWaitSeconds(account) {
      const tokens = tokensNow(accountKey(account), accountLimit, clock.nowMs());
      // Whole milliseconds first: (1 - 1/3) * 60 is 40.000000000000004 in floating point.
      return tokens < 1 ? Math.ceil(Math.round(((1 - tokens) * 60_000) / accountLimit.perMinute) / 1000) : 0;
    },
    hasCleanRecord(address) {
      return tokensNow(addressKey(address), addressLimit, clock.nowMs()) >= addressLimit.burst;
    },
    get size() {
      return buckets.size;
    },
    close() {
      unsubscribe?.();
    },
  };
}
