/**
 * The records this process holds, with the indexes lookups and cascades need, all kept up to date
 * change by change: a write or a reload costs what it changed, never a rebuild of 100,000 records
 * (issue 6 point 4). Records are frozen snapshots; lists handed out are frozen copies made once
 * per change of their table. Usernames are kept lower-cased everywhere they appear: they are
 * case-insensitive.
 * Writes never touch the current state directly: a flush works on a StoreDraft and the state
 * takes its ChangeSet only once the change is durable, so readers never see an unacknowledged
 * write.
 */
import { StoreCorrupt } from '../errors.js';
import type { ChangeSet, TableName, TableRecords } from './change-set.js';
import { keyOf, tableNames } from './change-set.js';
import type { ClientRecord, GrantRecord, TokenRecord, UserRecord } from './records.js';
import type { StoreChange } from './store.js';
import type { TokenIndex } from './token-table.js';
import { TokenTable } from './token-table.js';
import { userChanged } from './user-changed.js';

export type { TokenIndex } from './token-table.js';

/** The small tables; tokens, the one that grows, are a TokenTable. */
type SmallTables = { [T in Exclude<TableName, 'tokens'>]: Map<string, TableRecords[T]> };

export class StoreState {
  readonly #tables: SmallTables = { users: new Map(), clients: new Map(), grants: new Map(), signingKeys: new Map() };
  readonly #tokens = new TokenTable();
  readonly #grantIdByDigest = new Map<string, string>();
  readonly #grantIdByUserCode = new Map<string, string>();
  readonly #lists: { [T in TableName]?: readonly TableRecords[T][] } = {};

  /** Adds a record read from a snapshot file; a key seen twice makes the file StoreCorrupt. */
  insertLoaded<T extends TableName>(table: T, record: TableRecords[T], path: string): void {
    const frozen = freezeRecord(table, record);
    const duplicate = (what: string, key: string | null) =>
      new StoreCorrupt(`${path}: duplicate ${what} ${JSON.stringify(key)}`);
    if (table === 'tokens') {
      const token = frozen as TokenRecord;
      if (this.#tokens.get(token.id)) throw duplicate('token id', token.id);
      if (this.#tokens.hasDigest(token.digest)) throw duplicate('token digest', token.digest);
      this.#tokens.set(token);
      return;
    }
    // One map operation per index instead of a lookup and an insert: a key already there does
    // not grow its map. A store with a duplicate is refused whole, so what was set is dropped.
    const small = this.#tables[table as Exclude<TableName, 'tokens'>];
    const sizes = [small.size, this.#grantIdByDigest.size, this.#grantIdByUserCode.size];
    this.#set(table, frozen);
    if (small.size === sizes[0]) {
      const what = { users: 'username', clients: 'client id', tokens: 'token id', grants: 'grant id', signingKeys: 'key id' }[table];
      throw duplicate(what, keyOf[table](frozen));
    }
    if (table === 'grants') {
      const grant = frozen as GrantRecord;
      if (this.#grantIdByDigest.size === sizes[1]) throw duplicate('grant digest', grant.digest);
      if (grant.userCodeDigest !== null && this.#grantIdByUserCode.size === sizes[2]) {
        throw duplicate('grant user code digest', grant.userCodeDigest);
      }
    }
  }

  get<T extends TableName>(table: T, key: string): TableRecords[T] | undefined {
    if (table === 'tokens') return this.#tokens.get(key) as TableRecords[T] | undefined;
    return this.#tables[table as Exclude<TableName, 'tokens'>].get(key) as TableRecords[T] | undefined;
  }

  size(table: TableName): number {
    return table === 'tokens' ? this.#tokens.size : this.#tables[table].size;
  }

  /** Live iteration, oldest first; records deleted meanwhile are skipped, new ones visited. */
  values<T extends TableName>(table: T): IterableIterator<TableRecords[T]> {
    if (table === 'tokens') return this.#tokens.values() as IterableIterator<TableRecords[T]>;
    return this.#tables[table as Exclude<TableName, 'tokens'>].values() as IterableIterator<TableRecords[T]>;
  }

  /** A frozen list of the table, made once per change of the table. */
  list<T extends TableName>(table: T): readonly TableRecords[T][] {
    const cached = this.#lists[table] as readonly TableRecords[T][] | undefined;
    if (cached) return cached;
    const list = Object.freeze([...this.values(table)]);
    (this.#lists as Record<TableName, unknown>)[table] = list;
    return list;
  }

  findUser(username: string): UserRecord | undefined {
    return this.#tables.users.get(username);
  }

  findClient(clientId: string): ClientRecord | undefined {
    return this.#tables.clients.get(clientId);
  }

  findToken(id: string): TokenRecord | undefined {
    return this.#tokens.get(id);
  }

  findTokenByDigest(digest: string): TokenRecord | undefined {
    return this.#tokens.getByDigest(digest);
  }

  findGrant(id: string): GrantRecord | undefined {
    return this.#tables.grants.get(id);
  }

  findGrantByDigest(digest: string): GrantRecord | undefined {
    const id = this.#grantIdByDigest.get(digest);
    return id === undefined ? undefined : this.#tables.grants.get(id);
  }

  findGrantByUserCode(userCodeDigest: string): GrantRecord | undefined {
    const id = this.#grantIdByUserCode.get(userCodeDigest);
    return id === undefined ? undefined : this.#tables.grants.get(id);
  }

  /** Ids of the tokens whose `index` field is `key`, oldest first. */
  tokenIds(index: TokenIndex, key: string): readonly string[] {
    return this.#tokens.idsBy(index, key);
  }

  /**
   * Takes in a durable change (this process's flush or another process's journal line) and
   * returns what caches must evict: every token removed or changed (a refresh token merely marked
   * used is not a change: it stays valid until its family is revoked), every user removed or
   * changed in what credentials depend on, every client removed or changed. Grants are never
   * cached and are not announced.
   */
  apply(changes: ChangeSet): StoreChange[] {
    const announced: StoreChange[] = [];
    for (const table of tableNames) {
      for (const [key, next] of changes[table] as Map<string, TableRecords[TableName] | null>) {
        const old = this.get(table, key);
        if (next === null) {
          if (old) this.#unset(table, old);
        } else {
          this.#set(table, freezeRecord(table, next), old);
        }
        const change = announcement(table, old, next);
        if (change) announced.push(change);
      }
    }
    return announced;
  }

  /** A copy with its own maps and the same frozen records: O(records), for small stores only. */
  clone(): StoreState {
    const copy = new StoreState();
    for (const table of tableNames) {
      for (const record of this.values(table)) copy.#set(table, record);
    }
    return copy;
  }

  /**
   * Adds a record, or replaces `old` (same key) in place: a replaced record keeps its position in
   * its table and in every index whose key it keeps, so "oldest first" stays true.
   */
  #set<T extends TableName>(table: T, record: TableRecords[T], old?: TableRecords[T]): void {
    delete this.#lists[table];
    if (table === 'tokens') return this.#tokens.set(record as TokenRecord);
    const key = keyOf[table](record);
    (this.#tables[table as Exclude<TableName, 'tokens'>] as Map<string, TableRecords[T]>).set(key, record);
    if (table === 'grants') {
      const grant = record as GrantRecord;
      if (old) this.#unindexGrant(old as GrantRecord);
      this.#grantIdByDigest.set(grant.digest, key);
      if (grant.userCodeDigest !== null) this.#grantIdByUserCode.set(grant.userCodeDigest, key);
    }
  }

  #unset<T extends TableName>(table: T, record: TableRecords[T]): void {
    delete this.#lists[table];
    const key = keyOf[table](record);
    if (table === 'tokens') {
      this.#tokens.delete(key);
      return;
    }
    this.#tables[table as Exclude<TableName, 'tokens'>].delete(key);
    if (table === 'grants') this.#unindexGrant(record as GrantRecord);
  }

  #unindexGrant(grant: GrantRecord): void {
    if (this.#grantIdByDigest.get(grant.digest) === grant.id) this.#grantIdByDigest.delete(grant.digest);
    if (grant.userCodeDigest !== null && this.#grantIdByUserCode.get(grant.userCodeDigest) === grant.id) {
      this.#grantIdByUserCode.delete(grant.userCodeDigest);
    }
  }
}

/** What replacing `old` by `next` (null: deleting it) means to a credential cache. */
export function announcement(
  table: TableName,
  old: TableRecords[TableName] | undefined,
  next: TableRecords[TableName] | null,
): StoreChange | undefined {
  if (!old) return undefined;
  if (table === 'tokens') {
    const token = old as TokenRecord;
    return next === null || !sameRecord(withoutUse(token), withoutUse(next as TokenRecord))
      ? { type: 'token-removed', token }
      : undefined;
  }
  if (table === 'users') {
    const user = old as UserRecord;
    return next === null || userChanged(user, next as UserRecord) ? { type: 'user-changed', username: user.username } : undefined;
  }
  if (table === 'clients') {
    const client = old as ClientRecord;
    return next === null || !sameRecord(client, next) ? { type: 'client-changed', clientId: client.clientId } : undefined;
  }
  return undefined;
}

/**
 * Freezes a record the store takes in, lower-casing its usernames. Records arrive fresh from a
 * zod parse (a file, a journal line, an operation's check), so they are normalised in place;
 * one that is frozen already is one of ours.
 */
export function freezeRecord<T extends TableName>(table: T, record: TableRecords[T]): TableRecords[T] {
  if (Object.isFrozen(record)) return record;
  const writable = record as { username: string | null; redirectUris?: string[] };
  if (table !== 'signingKeys') writable.username = lower(writable.username);
  if (table === 'clients') writable.redirectUris = Object.freeze([...(writable.redirectUris ?? [])]) as string[];
  return Object.freeze(record) as TableRecords[T];
}

export function lower(username: string | null): string | null {
  return username === null ? null : username.toLowerCase();
}

/** Records are flat objects of primitives and arrays of primitives (a client's redirect URIs). */
/** A token without what its use changes (rotation, last use): a change there evicts nothing. */
function withoutUse(token: TokenRecord): object {
  return { ...token, usedAt: null, lastUsedAt: undefined, lastUsedFrom: undefined };
}

function sameRecord(a: object, b: object): boolean {
  const aEntries = Object.entries(a);
  return (
    aEntries.length === Object.keys(b).length &&
    aEntries.every(([key, value]) => sameValue(value, (b as Record<string, unknown>)[key]))
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => item === b[i]);
  return a === b;
}
