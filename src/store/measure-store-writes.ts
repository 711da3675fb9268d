/**
 * The store, with the time each write takes until it is durable and its failures measured
 * (photogate_store_write_seconds, photogate_store_write_failures_total). Reads pass through
 * untouched. A refusal the store answers by design (StoreConflict, StoreNotFound: a duplicate
 * name, an unknown id) is not a failure; anything else (a full disk, a lost lock) is.
 */
import { StoreConflict, StoreNotFound } from '../errors.js';
import type { StoreMetrics } from '../http/gateway-metrics.js';
import type { Store } from './store.js';

const writes = [
  'addUser', 'updateUser', 'useTwoFactorStep', 'useRecoveryCode', 'removeUser',
  'addClient', 'updateClient', 'removeClient', 'resetClients',
  'addToken', 'removeToken', 'resetTokens', 'markTokenUsed', 'recordTokenUses', 'removeTokenFamily', 'removeExpiredTokens',
  'addGrant', 'updateGrant',
] as const satisfies readonly (keyof Store)[];

export function measureStoreWrites(store: Store, metrics: StoreMetrics): Store {
  const measured: Partial<Record<keyof Store, unknown>> = {};
  for (const operation of writes) {
    const write = (store[operation] as (...args: unknown[]) => Promise<unknown>).bind(store);
    measured[operation] = async (...args: unknown[]) => {
      const started = performance.now();
      let failed = false;
      try {
        return await write(...args);
      } catch (error) {
        failed = !(error instanceof StoreConflict || error instanceof StoreNotFound);
        throw error;
      } finally {
        metrics.write(operation, (performance.now() - started) / 1000, failed);
      }
    };
  }
  return new Proxy(store, {
    get(target, property, receiver) {
      if (Object.hasOwn(measured, property)) return measured[property as keyof Store];
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
