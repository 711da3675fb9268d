/**
 * The state a flush's operations see and change: the current StoreState with this batch's
 * changes laid over it. Nothing is copied; the batch's ChangeSet is what gets written (a journal
 * line or a snapshot) and, once durable, applied to the current state. Lookups and cascades use
 * the state's indexes plus small indexes of what the batch added, so an operation costs what it
 * touches (a client's tokens, a family), not the size of the store.
 */
import type { ChangeSet, TableName, TableRecords } from './change-set.js';
import { emptyChangeSet, keyOf } from './change-set.js';
import type { ClientRecord, GrantRecord, TokenRecord, UserRecord } from './records.js';
import type { StoreState, TokenIndex } from './store-state.js';
import { freezeRecord } from './store-state.js';

export class StoreDraft {
  /** Net changes of the batch so far, in the order keys were first touched. */
  readonly changes: ChangeSet = emptyChangeSet();
  readonly #base: StoreState;
  /** Per index, the ids of the tokens this batch put, by key (a batch is small: plain Maps). */
  readonly #addedTokenIds: Record<TokenIndex, Map<string, Set<string>>> = {
    clientId: new Map(),
    username: new Map(),
    familyId: new Map(),
  };
  readonly #addedTokenByDigest = new Map<string, string>();
  readonly #addedGrantByDigest = new Map<string, string>();
  readonly #addedGrantByUserCode = new Map<string, string>();

  constructor(base: StoreState) {
    this.#base = base;
  }

  get dirty(): boolean {
    return Object.values(this.changes).some((table: Map<string, unknown>) => table.size > 0);
  }

  get<T extends TableName>(table: T, key: string): TableRecords[T] | undefined {
    const changed = this.changes[table].get(key) as TableRecords[T] | null | undefined;
    if (changed !== undefined) return changed ?? undefined;
    return this.#base.get(table, key);
  }

  findUser(username: string): UserRecord | undefined {
    return this.get('users', username);
  }

  findClient(clientId: string): ClientRecord | undefined {
    return this.get('clients', clientId);
  }

  findToken(id: string): TokenRecord | undefined {
    return this.get('tokens', id);
  }

  findTokenByDigest(digest: string): TokenRecord | undefined {
    const matches = (token: TokenRecord | undefined) => (token?.digest === digest ? token : undefined);
    const added = this.#addedTokenByDigest.get(digest);
    return (
      (added === undefined ? undefined : matches(this.findToken(added))) ??
      matches(this.findToken(this.#base.findTokenByDigest(digest)?.id ?? ''))
    );
  }

  findGrant(id: string): GrantRecord | undefined {
    return this.get('grants', id);
  }

  findGrantByDigest(digest: string): GrantRecord | undefined {
    const matches = (grant: GrantRecord | undefined) => (grant?.digest === digest ? grant : undefined);
    const added = this.#addedGrantByDigest.get(digest);
    return (
      (added === undefined ? undefined : matches(this.findGrant(added))) ??
      matches(this.findGrant(this.#base.findGrantByDigest(digest)?.id ?? ''))
    );
  }

  findGrantByUserCode(userCodeDigest: string): GrantRecord | undefined {
    const matches = (grant: GrantRecord | undefined) => (grant?.userCodeDigest === userCodeDigest ? grant : undefined);
    const added = this.#addedGrantByUserCode.get(userCodeDigest);
    return (
      (added === undefined ? undefined : matches(this.findGrant(added))) ??
      matches(this.findGrant(this.#base.findGrantByUserCode(userCodeDigest)?.id ?? ''))
    );
  }

  /** The tokens whose `index` field is `key`, oldest first. */
  tokensBy(index: TokenIndex, key: string): TokenRecord[] {
    const ids = new Set([...this.#base.tokenIds(index, key), ...(this.#addedTokenIds[index].get(key) ?? [])]);
    const tokens: TokenRecord[] = [];
    for (const id of ids) {
      const token = this.findToken(id);
      if (token && token[index] === key) tokens.push(token);
    }
    return tokens;
  }

  /** Every record of a table, oldest first. Visits the whole table: users, clients, grants, resets. */
  all<T extends TableName>(table: T): TableRecords[T][] {
    const changed = this.changes[table] as Map<string, TableRecords[T] | null>;
    const records: TableRecords[T][] = [];
    for (const record of this.#base.values(table)) {
      const key = keyOf[table](record);
      const current = changed.has(key) ? changed.get(key) : record;
      if (current) records.push(current);
    }
    for (const [key, record] of changed) if (record && !this.#base.get(table, key)) records.push(record);
    return records;
  }

  put<T extends TableName>(table: T, record: TableRecords[T]): void {
    const frozen = freezeRecord(table, record);
    const key = keyOf[table](frozen);
    (this.changes[table] as Map<string, TableRecords[T] | null>).set(key, frozen);
    if (table === 'tokens') {
      const token = frozen as TokenRecord;
      this.#addedTokenByDigest.set(token.digest, key);
      for (const index of tokenIndexes) {
        const value = token[index];
        if (value === null) continue;
        const added = this.#addedTokenIds[index];
        added.set(value, (added.get(value) ?? new Set()).add(key));
      }
    } else if (table === 'grants') {
      const grant = frozen as GrantRecord;
      this.#addedGrantByDigest.set(grant.digest, key);
      if (grant.userCodeDigest !== null) this.#addedGrantByUserCode.set(grant.userCodeDigest, key);
    }
  }

  delete(table: TableName, key: string): void {
    const changed = this.changes[table] as Map<string, unknown>;
    if (this.#base.get(table, key)) changed.set(key, null);
    else changed.delete(key);
  }
}

const tokenIndexes: readonly TokenIndex[] = ['clientId', 'username', 'familyId'];
