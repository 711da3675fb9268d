import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

/** Opens the configured store for one CLI command (no watching: the command is short-lived) and always closes it. */
export async function withStore<T>(
  config: Readonly<Config>,
  clock: Clock,
  fn: (store: Store, config: Readonly<Config>) => Promise<T>,
): Promise<T> {
  const store = await openStore(config.store, { clock, watch: false });
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}
