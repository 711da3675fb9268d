/**
 * A secondary index: for each key (a client id, a username, a family id), the ids of the records
 * that have it, in the order they were added. Sets keep insertion order, so "the client's oldest
 * tokens" are the first ids of its set.
 */
export class KeyedIds {
  readonly #sets = new Map<string, Set<string>>();

  add(key: string | null, id: string): void {
    if (key === null) return;
    let ids = this.#sets.get(key);
    if (!ids) this.#sets.set(key, (ids = new Set()));
    ids.add(id);
  }

  delete(key: string | null, id: string): void {
    if (key === null) return;
    const ids = this.#sets.get(key);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.#sets.delete(key);
  }

  get(key: string): ReadonlySet<string> {
    return this.#sets.get(key) ?? empty;
  }

  clone(): KeyedIds {
    const copy = new KeyedIds();
    for (const [key, ids] of this.#sets) copy.#sets.set(key, new Set(ids));
    return copy;
  }
}

const empty: ReadonlySet<string> = new Set();
