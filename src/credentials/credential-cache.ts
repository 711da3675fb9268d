/**
 * Validated credentials, kept so repeated requests touch neither argon2 nor the store.
 *
 * Keys are SHA-256 digests, never secrets. An entry lives at most `ttlSeconds` and never past
 * the credential's own expiry; hits never extend it (HAZARDS H12), and lru-cache reads time from
 * our clock. Each entry names what it depends on (token digest, user, client); the store's change
 * events evict exactly those entries, so a revocation, deletion, password change or client
 * disable, here or by the CLI, takes effect on the next request. A store that cannot promise
 * to announce changes for a while (PostgreSQL's notification connection lost) says so with
 * `all-changed`: the cache empties and keeps nothing until the store is coherent again.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { CacheMetrics } from '../http/gateway-metrics.js';
import type { StoreChange } from '../store/store.js';
import type { Principal } from './principal.js';

export interface CachedCredential {
  principal: Principal;
  /** Dependency keys: `token:<digest>`, `user:<name>`, `client:<id>`. */
  dependsOn: readonly string[];
}

export interface CredentialCache {
  get(key: string): Principal | undefined;
  /**
   * Caches unless some eviction happened since `generation` was read: a verification that raced
   * with a revocation must not bring the revoked credential back.
   */
  set(key: string, entry: CachedCredential, generation: number): void;
  /** Increases on every eviction. */
  readonly generation: number;
  evict(change: StoreChange): void;
  readonly size: number;
}

export function createCredentialCache(options: { maxEntries: number; ttlSeconds: number; clock: Clock; metrics?: CacheMetrics }): CredentialCache {
  const metrics = options.metrics;
  const { clock } = options;
  const dependents = new Map<string, Set<string>>();
  let generation = 0;
  /** False while the store cannot promise to announce changes (store.ts 'all-changed'). */
  let coherent = true;
  const cache = new LRUCache<string, CachedCredential>({
    max: options.maxEntries,
    ttl: options.ttlSeconds * 1000,
    updateAgeOnGet: false,
    perf: { now: () => clock.nowMs() },
    dispose(entry, key, reason) {
      if (reason === 'evict') metrics?.evicted('capacity');
      else if (reason === 'expire') metrics?.evicted('expired');
      for (const dep of entry.dependsOn) {
        const keys = dependents.get(dep);
        keys?.delete(key);
        if (keys?.size === 0) dependents.delete(dep);
      }
    },
  });

  const evictDependents = (dep: string) => {
    for (const key of [...(dependents.get(dep) ?? [])]) if (cache.delete(key)) metrics?.evicted('revoked');
  };

  return {
    get(key) {
      if (!coherent) return undefined;
      const entry = cache.get(key);
      if (entry === undefined) return undefined;
      const { expiresAt } = entry.principal;
      if (expiresAt !== null && expiresAt * 1000 <= clock.nowMs()) {
        cache.delete(key);
        metrics?.evicted('expired');
        return undefined;
      }
      return entry.principal;
    },
    set(key, entry, readAt) {
      if (readAt !== generation || !coherent) return;
      const { expiresAt } = entry.principal;
      const ttl = Math.min(options.ttlSeconds * 1000, expiresAt === null ? Infinity : expiresAt * 1000 - clock.nowMs());
      if (ttl <= 0) return;
      cache.set(key, entry, { ttl });
      for (const dep of entry.dependsOn) {
        const keys = dependents.get(dep) ?? new Set<string>();
        dependents.set(dep, keys.add(key));
      }
    },
    evict(change) {
      generation++;
      if (change.type === 'token-removed') evictDependents(`token:${change.token.digest}`);
      else if (change.type === 'user-changed') evictDependents(`user:${change.username}`);
      else if (change.type === 'client-changed') evictDependents(`client:${change.clientId}`);
      else {
        coherent = change.coherent;
        cache.clear();
        dependents.clear();
      }
    },
    get generation() {
      return generation;
    },
    get size() {
      return cache.size;
    },
  };
}
