/**
 * The gateway's own Prometheus metrics (prom-client: the standard client, with the process and
 * event-loop metrics a Node service is expected to export). Served at /metrics to credentials
 * whose scope allows `metrics`.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PasswordHasher } from '../credentials/password-hash.js';

export interface GatewayMetrics {
  registry: Registry;
  observeRequest(kind: 'proxy' | 'endpoint', status: number, seconds: number): void;
  /** The same hasher, counting each argon2 verification: shows that cached credentials skip it. */
  countVerifications(hasher: PasswordHasher): PasswordHasher;
  countReload(outcome: 'success' | 'failure'): void;
}

export function createGatewayMetrics(cacheSize: () => number): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'photogate_' });
  const requests = new Counter({
    name: 'photogate_requests_total',
    help: 'Requests answered, by kind (proxied or own endpoint) and status code.',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'photogate_request_duration_seconds',
    help: 'Time from request to response end.',
    labelNames: ['kind'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'photogate_credential_cache_entries',
    help: 'Validated credentials held in memory.',
    registers: [registry],
    collect() {
      this.set(cacheSize());
    },
  });
  const verifications = new Counter({
    name: 'photogate_password_verifications_total',
    help: 'argon2 password verifications run (user passwords not found in the credential cache, sign-ins).',
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'photogate_config_reloads_total',
    help: 'Configuration reloads (SIGHUP, watchConfig), by outcome: success or failure (the old configuration kept serving).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const lastReloadOk = new Gauge({
    name: 'photogate_config_last_reload_successful',
    help: '1 when the last configuration reload succeeded (or none was tried), 0 when it was refused.',
    registers: [registry],
  });
  lastReloadOk.set(1);
  for (const outcome of ['success', 'failure']) reloads.labels(outcome);
  // Label children resolved once, not per request: prom-client hashes the label values on every
  // labelled call (issue 6 hot path). At most 2 kinds x the status codes seen.
  const requestsBy = new Map<string, Counter.Internal>();
  const durationBy = { proxy: duration.labels('proxy'), endpoint: duration.labels('endpoint') };
  return {
    registry,
    observeRequest(kind, status, seconds) {
      const key = `${kind} ${status}`;
      let counter = requestsBy.get(key);
      if (counter === undefined) {
        counter = requests.labels(kind, String(status));
        requestsBy.set(key, counter);
      }
      counter.inc();
      durationBy[kind].observe(seconds);
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
