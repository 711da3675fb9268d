/**
 * The gateway's own Prometheus metrics (prom-client: the standard client, with the process and
 * event-loop metrics a Node service is expected to export). Served at /metrics to credentials
 * whose scope allows `metrics`; each is documented with its labels in docs/metrics.md
 * (test/unit/docs/metrics-docs.test.ts checks every registered metric is).
 *
 * Label sets are bounded: resources come from the route rules, statuses from HTTP, the rest from
 * fixed lists; never a username, path or address. On the hot path no label is hashed: label
 * children are resolved once (per rule, per status seen, per credential kind) and kept (issue 6).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PrincipalKind } from '../credentials/principal.js';
import type { PasswordHasher } from '../credentials/password-hash.js';

/** Counts requests decided by one rule (or one endpoint), by status. Resolve once, keep it. */
export interface RequestCounter {
  observe(status: number, seconds: number): void;
}

export interface AuthMetrics {
  success(kind: PrincipalKind): void;
  rejected(credential: 'basic' | 'token'): void;
  lockedOut(credential: 'basic' | 'token'): void;
}

export interface CacheMetrics {
  hit(): void;
  miss(): void;
  evicted(reason: 'revoked' | 'expired' | 'capacity'): void;
}

export interface UpstreamMetrics {
  /** Seconds from handing the request to the upstream to its response head. */
  response(seconds: number): void;
  /** `bad_gateway` (refused, unreachable, broken answer) or `upstream_timeout`. */
  error(code: string): void;
}

export interface StoreMetrics {
  write(operation: string, seconds: number, failed: boolean): void;
}

export interface GatewayMetrics {
  registry: Registry;
  /** `resource`: the deciding rule's resource (or `public`, `authenticated`), `unmapped`, `refused`, or an endpoint's name. */
  requestsFor(kind: 'proxy' | 'endpoint', resource: string): RequestCounter;
  auth: AuthMetrics;
  cache: CacheMetrics;
  upstream: UpstreamMetrics;
  store: StoreMetrics;
  /** The same hasher, counting each argon2 verification: shows that cached credentials skip it. */
  countVerifications(hasher: PasswordHasher): PasswordHasher;
  countReload(outcome: 'success' | 'failure'): void;
}

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

export function createGatewayMetrics(sizes: { cacheEntries: () => number; limiterKeys: () => number }): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'photogate_' });
  const registers = [registry];
  const requests = new Counter({
    name: 'photogate_requests_total',
    help: 'Requests answered, by kind (proxy or endpoint), the deciding rule\'s resource and status code.',
    labelNames: ['kind', 'resource', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'photogate_request_duration_seconds',
    help: 'Time from request to response end, by kind (proxy or endpoint).',
    labelNames: ['kind'] as const,
    buckets: latencyBuckets,
    registers,
  });
  new Gauge({
    name: 'photogate_credential_cache_entries',
    help: 'Validated credentials held in memory.',
    registers,
    collect() {
      this.set(sizes.cacheEntries());
    },
  });
  const cacheLookups = new Counter({
    name: 'photogate_credential_cache_lookups_total',
    help: 'Credential cache lookups, by result: hit or miss (a miss checks the store, and argon2 for passwords).',
    labelNames: ['result'] as const,
    registers,
  });
  const cacheEvictions = new Counter({
    name: 'photogate_credential_cache_evictions_total',
    help: 'Cached credentials dropped, by reason: revoked (a store change), expired, capacity (cache.maxEntries).',
    labelNames: ['reason'] as const,
    registers,
  });
  const verifications = new Counter({
    name: 'photogate_password_verifications_total',
    help: 'argon2 password verifications run (user passwords not found in the credential cache, sign-ins).',
    registers,
  });
  const auth = new Counter({
    name: 'photogate_auth_total',
    help: 'Credential checks, by credential kind and outcome: success, rejected (invalid) or locked_out (refused before checking).',
    labelNames: ['credential', 'outcome'] as const,
    registers,
  });
  const limiterRefusals = new Counter({
    name: 'photogate_rate_limit_refusals_total',
    help: 'Password checks refused with 429 by the brute-force limiter.',
    registers,
  });
  new Gauge({
    name: 'photogate_rate_limit_tracked_keys',
    help: 'Client addresses and accounts the brute-force limiter holds a bucket for.',
    registers,
    collect() {
      this.set(sizes.limiterKeys());
    },
  });
  const upstreamLatency = new Histogram({
    name: 'photogate_upstream_response_seconds',
    help: 'Time from forwarding a request to the upstream\'s response head.',
    buckets: latencyBuckets,
    registers,
  });
  const upstreamErrors = new Counter({
    name: 'photogate_upstream_errors_total',
    help: 'Forwarded requests the upstream did not answer, by error: bad_gateway or upstream_timeout.',
    labelNames: ['error'] as const,
    registers,
  });
  const storeWrites = new Histogram({
    name: 'photogate_store_write_seconds',
    help: 'Time a store write takes until it is durable, by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers,
  });
  const storeFailures = new Counter({
    name: 'photogate_store_write_failures_total',
    help: 'Store writes that failed (not refusals such as a duplicate name), by operation.',
    labelNames: ['operation'] as const,
    registers,
  });
  const reloads = new Counter({
    name: 'photogate_config_reloads_total',
    help: 'Configuration reloads (SIGHUP, watchConfig), by outcome: success or failure (the old configuration kept serving).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const lastReloadOk = new Gauge({
    name: 'photogate_config_last_reload_successful',
    help: '1 when the last configuration reload succeeded (or none was tried), 0 when it was refused.',
    registers,
  });
  lastReloadOk.set(1);
  for (const outcome of ['success', 'failure']) reloads.labels(outcome);

  // Label children resolved once, not per request: prom-client hashes the label values on every
  // labelled call (issue 6 hot path).
  const durationBy = { proxy: duration.labels('proxy'), endpoint: duration.labels('endpoint') };
  const hits = cacheLookups.labels('hit');
  const misses = cacheLookups.labels('miss');
  const evictions = { revoked: cacheEvictions.labels('revoked'), expired: cacheEvictions.labels('expired'), capacity: cacheEvictions.labels('capacity') };
  const authBy = new Map<string, Counter.Internal>();
  const authChild = (credential: string, outcome: string) => {
    const key = `${credential} ${outcome}`;
    let child = authBy.get(key);
    if (child === undefined) authBy.set(key, (child = auth.labels(credential, outcome)));
    return child;
  };
  const successBy = new Map<PrincipalKind, Counter.Internal>();
  const upstreamErrorBy = new Map<string, Counter.Internal>();
  const counters = new Map<string, RequestCounter>();

  return {
    registry,
    requestsFor(kind, resource) {
      const key = `${kind} ${resource}`;
      let counter = counters.get(key);
      if (counter === undefined) {
        const byStatus = new Map<number, Counter.Internal>();
        const timing = durationBy[kind];
        counter = {
          observe(status, seconds) {
            let child = byStatus.get(status);
            if (child === undefined) byStatus.set(status, (child = requests.labels(kind, resource, String(status))));
            child.inc();
            timing.observe(seconds);
          },
        };
        counters.set(key, counter);
      }
      return counter;
    },
    auth: {
      success(kind) {
        let child = successBy.get(kind);
        if (child === undefined) successBy.set(kind, (child = authChild(kind, 'success')));
        child.inc();
      },
      rejected: (credential) => authChild(credential, 'rejected').inc(),
      lockedOut(credential) {
        authChild(credential, 'locked_out').inc();
        limiterRefusals.inc();
      },
    },
    cache: {
      hit: () => hits.inc(),
      miss: () => misses.inc(),
      evicted: (reason) => evictions[reason].inc(),
    },
    upstream: {
      response: (seconds) => upstreamLatency.observe(seconds),
      error(code) {
        let child = upstreamErrorBy.get(code);
        if (child === undefined) upstreamErrorBy.set(code, (child = upstreamErrors.labels(code)));
        child.inc();
      },
    },
    store: {
      write(operation, seconds, failed) {
        storeWrites.labels(operation).observe(seconds);
        if (failed) storeFailures.labels(operation).inc();
      },
    },
    countReload(outcome) {
      reloads.labels(outcome).inc();
      lastReloadOk.set(outcome === 'success' ? 1 : 0);
    },
    countVerifications(hasher) {
      return {
        hash: (password) => hasher.hash(password),
        verify(passwordHash, password) {
          verifications.inc();
          return hasher.verify(passwordHash, password);
        },
      };
    },
  };
}
