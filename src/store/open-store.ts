/**
 * Opens the configured store: PostgreSQL when `store.url` is set (several replicas), else the
 * file at `store.path` (the default). The gateway and every CLI command open it here.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { openFileStore } from './file-store.js';
import { openPgStore } from './pg/pg-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  clock: Clock;
  /** Follow other processes' changes (a gateway); a short CLI command need not. */
  watch: boolean;
  warn?: (message: string) => void;
}

export function openStore(store: Readonly<Config['store']>, options: OpenStoreOptions): Promise<Store> {
  if (store.url !== undefined) return openPgStore({ url: store.url, watch: options.watch, warn: options.warn });
  return openFileStore({
    path: store.path,
    clock: options.clock,
    watch: options.watch,
    reloadIntervalMs: store.reloadIntervalMs,
    warn: options.warn,
  });
}

/** Where the store is, for logs and messages: the file, or the URL without its password. */
export function describeStore(store: Readonly<Config['store']>): string {
  if (store.url === undefined) return store.path;
  const url = new URL(store.url);
  if (url.password !== '') url.password = '***';
  return url.toString();
}
