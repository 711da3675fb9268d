/**
 * What outlives a reload: the parts of the gateway built once per process, which every gateway
 * built from a configuration (gateway.ts) shares. A reload must not cost argon2 again for each
 * cached credential, forget a revocation in flight, hand an attacker a fresh brute-force budget,
 * or reset the counters an operator alerts on; so the credential cache (and its subscription to
 * the store's changes), the authenticator (shared in-flight verifications, bounded argon2), the
 * failure limiter, the metrics and the credentials' last uses not yet written (token-usage.ts)
 * live here. Their keys (`cache`, `rateLimits`) therefore need a
 * restart (marked in config/schema.ts). Pinned by test/integration/config-reload.test.ts.
 */
import { createFailureLimiter, type FailureLimiter } from './access/failure-limiter.js';
import type { Audit } from './audit/audit.js';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { type Authenticator, createAuthenticator } from './credentials/authenticate.js';
import { createCredentialCache, type CredentialCache } from './credentials/credential-cache.js';
import { type AuthenticateFrom, limitPasswordChecks } from './credentials/limit-password-checks.js';
import type { PasswordHasher } from './credentials/password-hash.js';
import { recordCredentialUses } from './credentials/record-credential-uses.js';
import { createTokenUsage, type TokenUsage } from './credentials/token-usage.js';
import { createGatewayMetrics, type GatewayMetrics } from './http/gateway-metrics.js';
import type { Logger } from './logger.js';
import { measureStoreWrites } from './store/measure-store-writes.js';
import type { Store } from './store/store.js';

export interface LastingParts {
  /** The store, its writes measured (store/measure-store-writes.ts): what every part uses. */
  store: Store;
  cache: CredentialCache;
  authenticator: Authenticator;
  limiter: FailureLimiter;
  /** Password checks behind the limiter; cached credentials at once; each use noted in `usage`. */
  authenticate: AuthenticateFrom;
  /** When each credential was last used, written coalesced (credentials/token-usage.ts). */
  usage: TokenUsage;
  metrics: GatewayMetrics;
  /** The audit trail (audit/audit.ts). */
  audit: Audit;
  /** Argon2id, for passwords set through the account API (account/account-actions.ts). */
  hasher: PasswordHasher;
  /** Stops the timers and writes the last uses not written yet (the store stays open). */
  close(): Promise<void>;
}

export function createLastingParts(config: Config, deps: { store: Store; clock: Clock; hasher: PasswordHasher; audit: Audit; logger?: Logger }): LastingParts {
  const { clock } = deps;
  // The gauges read the cache and the limiter only when scraped, after both exist.
  const metrics = createGatewayMetrics({ cacheEntries: () => cache.size, limiterKeys: () => limiter.size });
  const store = measureStoreWrites(deps.store, metrics.store);
  const cache = createCredentialCache({ ...config.cache, clock, metrics: metrics.cache });
  const unsubscribe = store.onChange((change) => cache.evict(change));
  const authenticator = createAuthenticator({ store, hasher: metrics.countVerifications(deps.hasher), cache, clock });
  const limiter = createFailureLimiter({
    addressBurst: config.rateLimits.addressFailureBurst,
    addressPerMinute: config.rateLimits.addressFailuresPerMinute,
    accountBurst: config.rateLimits.accountFailureBurst,
    maxTrackedKeys: config.rateLimits.maxTrackedKeys,
    clock,
    // PostgreSQL: failures counted by every replica (store.sharedFailures).
    shared: store.sharedFailures,
  });
  const usage = createTokenUsage({ store, clock, onError: (error) => deps.logger?.warn({ err: error }, 'writing the last uses of credentials failed; kept for the next try') });
  return {
    store,
    cache,
    authenticator,
    limiter,
    authenticate: recordCredentialUses(limitPasswordChecks(authenticator, limiter, deps.audit, metrics), usage),
    usage,
    metrics,
    audit: deps.audit,
    hasher: deps.hasher,
    async close() {
      unsubscribe();
      limiter.close();
      await usage.close();
    },
  };
}
