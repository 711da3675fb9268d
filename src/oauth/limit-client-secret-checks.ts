/**
 * Client-secret checks behind the failure limiter (issue 12): a client secret is a password, so
 * every endpoint that checks one (token, every grant; revocation; introspection; device
 * authorization) counts a wrong one against the sender's address and against the `client_id`,
 * in the buckets password checks use (access/failure-limiter.ts).
 *
 * - An address out of attempts gets 429 with Retry-After whatever it sends, a right secret
 *   included: were a right secret let through there, 429 versus 200 would answer every guess.
 * - A `client_id` out of attempts (guessed at from many addresses) still lets an address with a
 *   clean record prove its secret: a right secret is never refused for wrong ones sent
 *   elsewhere. An address that has failed itself recently gets 429 for that client instead, so
 *   each guessing address has one guess per refill, not a burst.
 * - A secret this gateway found right within `cache.ttlSeconds` skips both limits, as a cached
 *   password does (credentials/limit-password-checks.ts): a client that holds its secret is
 *   not locked out by failures from its address (one NAT, or a proxy not in trustedProxies).
 *   It is still checked against the store every time, so a regenerated secret or a disabled
 *   client fails (and counts) at once; a guess skips the limits only by being that secret.
 * - Checking a secret costs one SHA-256 (authenticate-client.ts), so unlike argon2 there is no
 *   work to spare by refusing before it; the order above is about answers only.
 * Refusals are TooManyRequests and InvalidClient, counted and logged as password refusals are:
 * photogate_requests_total, photogate_auth_total{credential="client_secret"},
 * photogate_rate_limit_refusals_total, and a `lockout` audit event for each 429.
 * Pinned by test/security/client-secrets.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { FailureLimiter } from '../access/failure-limiter.js';
import type { Audit } from '../audit/audit.js';
import type { Clock } from '../clock.js';
import { digestSecret } from '../credentials/secrets.js';
import { InvalidClient, TooManyRequests } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import type { AuthMetrics } from '../http/gateway-metrics.js';
import type { ClientRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { authenticateClient, type ClientCredentials } from './authenticate-client.js';

/** Authenticates a client that sent credentials, behind the failure limiter. */
export type CheckClientSecret = (credentials: ClientCredentials, req: IncomingMessage) => Promise<ClientRecord>;

export interface ClientSecretLimitDeps {
  store: Store;
  limiter: FailureLimiter;
  trustedProxies: ReadonlySet<string>;
  clock: Clock;
  /** How long, and for how many, a secret found right skips the limits (config `cache`). */
  cache: { ttlSeconds: number; maxEntries: number };
  auth: AuthMetrics;
  audit: Audit;
}

const throttled = (seconds: number) => new TooManyRequests(seconds, { description: 'Too many failed attempts; try again later.', detail: 'client secret' });

export function limitClientSecretChecks(deps: ClientSecretLimitDeps): CheckClientSecret {
  const { store, limiter, clock, auth, audit } = deps;
  const lockedOut = (error: unknown, clientId: string, address: string) => {
    if (!(error instanceof TooManyRequests)) return;
    auth.lockedOut('client_secret');
    audit.record({ event: 'lockout', outcome: 'failure', client_id: clientId, address, reason: 'too many failed client secret checks' });
  };
  /** Digest of client_id and secret → until when (epoch ms) it skips the limits. */
  const provenUntilMs = new LRUCache<string, number>({ max: deps.cache.maxEntries });
  return async (credentials, req) => {
    const address = clientAddress(req, deps.trustedProxies);
    const account = `client:${credentials.clientId}`;
    const proof = digestSecret(`${credentials.clientId}\n${credentials.secret}`);
    if ((provenUntilMs.get(proof) ?? 0) <= clock.nowMs()) {
      try {
        limiter.check(address);
        const clientWaitSeconds = limiter.accountWaitSeconds(account);
        if (clientWaitSeconds > 0 && !limiter.hasCleanRecord(address)) throw throttled(clientWaitSeconds);
      } catch (error) {
        lockedOut(error, credentials.clientId, address);
        throw error;
      }
    }
    try {
      const client = await authenticateClient(credentials, store);
      provenUntilMs.set(proof, clock.nowMs() + deps.cache.ttlSeconds * 1000);
      auth.success('client_secret');
      return client;
    } catch (error) {
      if (error instanceof InvalidClient) {
        provenUntilMs.delete(proof);
        limiter.recordFailure(address, account);
        auth.rejected('client_secret');
      }
      throw error;
    }
  };
}
