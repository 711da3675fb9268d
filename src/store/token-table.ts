/**
 * The tokens, by id and by digest, with the ids of each client's, user's and family's tokens,
 * oldest first (a client's token limit evicts its oldest). The table that grows to 100,000
 * records and more, so nothing in it is ever rebuilt at once: lookups go through ShardedMaps
 * (no 17 ms rehash of one big Map), insertion order is an array of entries appended to, and a
 * removed entry is only marked dead, the arrays being filtered once more than half of them is
 * dead (~1 ms at 100,000). Iteration walks the array it started on, so a purge walking it across
 * many event-loop turns sees every record that was there when it began and is still there.
 */
import type { TokenRecord } from './records.js';
import { ShardedMap } from './sharded-map.js';

export type TokenIndex = 'clientId' | 'username' | 'familyId';
const tokenIndexes: readonly TokenIndex[] = ['clientId', 'username', 'familyId'];

interface Entry {
  record: TokenRecord;
  live: boolean;
}

/** The entries of one client, user or family, oldest first; `dead` of them removed or moved since. */
interface EntryList {
  entries: Entry[];
  dead: number;
}

/** Arrays are filtered once they hold more dead entries than this and than live ones. */
const minDeadToCompact = 1_024;

export class TokenTable {
  readonly #byId = new ShardedMap<Entry>();
  readonly #byDigest = new ShardedMap<Entry>();
  readonly #by: Record<TokenIndex, ShardedMap<EntryList>> = {
    clientId: new ShardedMap(),
    username: new ShardedMap(),
    familyId: new ShardedMap(),
  };
  #order: Entry[] = [];
  #dead = 0;

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): TokenRecord | undefined {
    return this.#byId.get(id)?.record;
  }

  getByDigest(digest: string): TokenRecord | undefined {
    return this.#byDigest.get(digest)?.record;
  }

  hasDigest(digest: string): boolean {
    return this.#byDigest.has(digest);
  }

  /** Ids of the tokens whose `index` field is `key`, oldest first. */
  idsBy(index: TokenIndex, key: string): string[] {
    const ids = new Set<string>();
    for (const entry of this.#by[index].get(key)?.entries ?? []) {
      if (entry.live && entry.record[index] === key) ids.add(entry.record.id);
    }
    return [...ids];
  }

  /** Oldest first; records removed meanwhile are skipped, records added meanwhile visited. */
  *values(): Generator<TokenRecord> {
    const order = this.#order;
    for (let i = 0; i < order.length; i++) {
      const entry = order[i] as Entry;
      if (entry.live) yield entry.record;
    }
  }

  /** Adds the token, or replaces the one with its id in place (keeping its age). */
  set(record: TokenRecord): void {
    const existing = this.#byId.get(record.id);
    if (existing) return this.#replace(existing, record);
    const entry: Entry = { record, live: true };
    this.#byId.set(record.id, entry);
    this.#byDigest.set(record.digest, entry);
    this.#order.push(entry);
    for (const index of tokenIndexes) this.#list(index, record[index], entry);
  }

  delete(id: string): TokenRecord | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    this.#byId.delete(id);
    if (this.#byDigest.get(entry.record.digest) === entry) this.#byDigest.delete(entry.record.digest);
    entry.live = false;
    for (const index of tokenIndexes) this.#unlist(index, entry.record[index]);
    if (++this.#dead > minDeadToCompact && this.#dead > this.#byId.size) {
      this.#order = this.#order.filter((e) => e.live);
      this.#dead = 0;
    }
    return entry.record;
  }

  #replace(entry: Entry, record: TokenRecord): void {
    const old = entry.record;
    entry.record = record;
    if (old.digest !== record.digest) {
      if (this.#byDigest.get(old.digest) === entry) this.#byDigest.delete(old.digest);
      this.#byDigest.set(record.digest, entry);
    }
    for (const index of tokenIndexes) {
      if (old[index] === record[index]) continue;
      this.#unlist(index, old[index]);
      this.#list(index, record[index], entry);
    }
  }

  #list(index: TokenIndex, key: string | null, entry: Entry): void {
    if (key === null) return;
    const lists = this.#by[index];
    const list = lists.get(key);
    if (list) list.entries.push(entry);
    else lists.set(key, { entries: [entry], dead: 0 });
  }

  /** One entry of `key`'s list is gone (removed, or its record no longer has that key). */
  #unlist(index: TokenIndex, key: string | null): void {
    if (key === null) return;
    const lists = this.#by[index];
    const list = lists.get(key);
    if (!list) return;
    list.dead++;
    if (list.dead >= list.entries.length) {
      lists.delete(key);
    } else if (list.dead > 64 && list.dead > list.entries.length / 2) {
      list.entries = list.entries.filter((e) => e.live && e.record[index] === key);
      list.dead = 0;
    }
  }
}
