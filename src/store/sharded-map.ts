/**
 * A Map split in 32 by a hash of the key. A JavaScript Map rehashes all its entries at once
 * when it doubles: at 131,072 entries that stalls the event loop ~17 ms (measured here), past
 * issue 6's 10 ms. Split in 32, a store of 100,000 tokens rehashes ~3,000 entries at a time
 * (~0.5 ms), and a million ~31,000 (~3 ms). No order: iteration order lives elsewhere.
 */
const shardBits = 5;
const shardMask = (1 << shardBits) - 1;

/** The last two characters decide: ids, digests and codes end in random characters. */
function shardOf(key: string): number {
  const n = key.length;
  if (n === 0) return 0;
  return (key.charCodeAt(n - 1) * 31 + (n > 1 ? key.charCodeAt(n - 2) : 0)) & shardMask;
}

export class ShardedMap<V> {
  readonly #shards: Map<string, V>[] = Array.from({ length: shardMask + 1 }, () => new Map<string, V>());
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    return this.#shards[shardOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.#shards[shardOf(key)]?.has(key) ?? false;
  }

  set(key: string, value: V): void {
    const shard = this.#shards[shardOf(key)] as Map<string, V>;
    const before = shard.size;
    shard.set(key, value);
    this.#size += shard.size - before;
  }

  delete(key: string): boolean {
    const deleted = this.#shards[shardOf(key)]?.delete(key) ?? false;
    if (deleted) this.#size--;
    return deleted;
  }
}
