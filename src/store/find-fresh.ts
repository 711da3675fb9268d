import type { Store } from './store.js';

/**
 * Looks a record up; when it is missing, takes in other processes' writes and looks once more,
 * so a credential the CLI has just created works on its very first request. Hits, the common
 * case, cost nothing extra; a miss costs one stat of the store file (shared by concurrent misses).
 */
export async function findFresh<T>(store: Store, lookup: () => Promise<T | undefined>): Promise<T | undefined> {
  const found = await lookup();
  if (found !== undefined) return found;
  await store.refresh();
  return lookup();
}
