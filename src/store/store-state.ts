/**
 * One version of the store's records with the indexes reads need, rebuilt whenever the file is
 * loaded. A flush works on a clone (new arrays and maps, the same frozen records) and replaces
 * the current state only once the write is durable, so readers never see an unacknowledged write.
 * Usernames are kept lower-cased everywhere they appear: they are case-insensitive.
 */
import { StoreCorrupt } from '../errors.js';
import type { ClientRecord, GrantRecord, StoreData, TokenRecord, UserRecord } from './records.js';

export class StoreState {
  users: UserRecord[];
  clients: ClientRecord[];
  tokens: TokenRecord[];
  grants: GrantRecord[];
  /** Set by every mutation, so a batch that changed nothing is not written. */
  dirty = false;
  readonly #users: Map<string, UserRecord>;
  readonly #clients: Map<string, ClientRecord>;
  readonly #tokensById: Map<string, TokenRecord>;
  readonly #tokensByDigest: Map<string, TokenRecord>;
  readonly #grantsById: Map<string, GrantRecord>;
  readonly #grantsByDigest: Map<string, GrantRecord>;
  readonly #grantsByUserCode: Map<string, GrantRecord>;

  private constructor(data: StoreData, from?: StoreState) {
    this.users = data.users;
    this.clients = data.clients;
    this.tokens = data.tokens;
    this.grants = data.grants;
    this.#users = new Map(from ? from.#users : []);
    this.#clients = new Map(from ? from.#clients : []);
    this.#tokensById = new Map(from ? from.#tokensById : []);
    this.#tokensByDigest = new Map(from ? from.#tokensByDigest : []);
    this.#grantsById = new Map(from ? from.#grantsById : []);
    this.#grantsByDigest = new Map(from ? from.#grantsByDigest : []);
    this.#grantsByUserCode = new Map(from ? from.#grantsByUserCode : []);
  }

  /** Freezes and indexes freshly parsed data; duplicate keys make the file StoreCorrupt. */
  static load(data: StoreData, path: string): StoreState {
    const state = new StoreState({
      version: 1,
      users: data.users.map((user) => Object.freeze({ ...user, username: user.username.toLowerCase() })),
      clients: data.clients.map((client) => freezeClient({ ...client, username: lower(client.username) })),
      tokens: data.tokens.map((token) => Object.freeze({ ...token, username: lower(token.username) })),
      grants: data.grants.map((grant) => Object.freeze({ ...grant, username: lower(grant.username) })),
    });
    const duplicate = (kind: string, key: string) =>
      new StoreCorrupt(`${path}: duplicate ${kind} ${JSON.stringify(key)}`);
    for (const user of state.users) {
      if (state.#users.has(user.username)) throw duplicate('username', user.username);
      state.#users.set(user.username, user);
    }
    for (const client of state.clients) {
      if (state.#clients.has(client.clientId)) throw duplicate('client id', client.clientId);
      state.#clients.set(client.clientId, client);
    }
    for (const token of state.tokens) {
      if (state.#tokensById.has(token.id)) throw duplicate('token id', token.id);
      if (state.#tokensByDigest.has(token.digest)) throw duplicate('token digest', token.digest);
      state.#tokensById.set(token.id, token);
      state.#tokensByDigest.set(token.digest, token);
    }
    for (const grant of state.grants) {
      if (state.#grantsById.has(grant.id)) throw duplicate('grant id', grant.id);
      if (state.#grantsByDigest.has(grant.digest)) throw duplicate('grant digest', grant.digest);
      if (grant.userCodeDigest !== null && state.#grantsByUserCode.has(grant.userCodeDigest)) {
        throw duplicate('grant user code digest', grant.userCodeDigest);
      }
      state.#indexGrant(grant);
    }
    state.freeze();
    return state;
  }

  clone(): StoreState {
    return new StoreState(
      {
        version: 1,
        users: [...this.users],
        clients: [...this.clients],
        tokens: [...this.tokens],
        grants: [...this.grants],
      },
      this,
    );
  }

  /** Makes the lists safe to hand out as they are. */
  freeze(): void {
    Object.freeze(this.users);
    Object.freeze(this.clients);
    Object.freeze(this.tokens);
    Object.freeze(this.grants);
  }

  toData(): StoreData {
    return { version: 1, users: this.users, clients: this.clients, tokens: this.tokens, grants: this.grants };
  }

  findUser(username: string): UserRecord | undefined {
    return this.#users.get(username);
  }

  findClient(clientId: string): ClientRecord | undefined {
    return this.#clients.get(clientId);
  }

  findToken(id: string): TokenRecord | undefined {
    return this.#tokensById.get(id);
  }

  findTokenByDigest(digest: string): TokenRecord | undefined {
    return this.#tokensByDigest.get(digest);
  }

  findGrant(id: string): GrantRecord | undefined {
    return this.#grantsById.get(id);
  }

  findGrantByDigest(digest: string): GrantRecord | undefined {
    return this.#grantsByDigest.get(digest);
  }

  findGrantByUserCode(userCodeDigest: string): GrantRecord | undefined {
    return this.#grantsByUserCode.get(userCodeDigest);
  }

  /** Adds the user, or replaces the one with the same username in place. */
  putUser(user: UserRecord): void {
    const frozen = Object.freeze({ ...user });
    const index = this.users.findIndex((u) => u.username === user.username);
    if (index === -1) this.users.push(frozen);
    else this.users[index] = frozen;
    this.#users.set(user.username, frozen);
    this.dirty = true;
  }

  removeUser(username: string): void {
    this.users = this.users.filter((user) => user.username !== username);
    this.#users.delete(username);
    this.dirty = true;
  }

  putClient(client: ClientRecord): void {
    const frozen = freezeClient(client);
    const index = this.clients.findIndex((c) => c.clientId === client.clientId);
    if (index === -1) this.clients.push(frozen);
    else this.clients[index] = frozen;
    this.#clients.set(client.clientId, frozen);
    this.dirty = true;
  }

  /** Removes the clients matching `remove` and resolves to them. */
  removeClients(remove: (client: ClientRecord) => boolean): ClientRecord[] {
    const removed = this.clients.filter(remove);
    if (removed.length === 0) return removed;
    this.clients = this.clients.filter((client) => !remove(client));
    for (const client of removed) this.#clients.delete(client.clientId);
    this.dirty = true;
    return removed;
  }

  addToken(token: TokenRecord): void {
    const frozen = Object.freeze({ ...token });
    this.tokens.push(frozen);
    this.#tokensById.set(token.id, frozen);
    this.#tokensByDigest.set(token.digest, frozen);
    this.dirty = true;
  }

  /** Removes the tokens matching `remove` and resolves to them. */
  removeTokens(remove: (token: TokenRecord) => boolean): TokenRecord[] {
    const removed = this.tokens.filter(remove);
    if (removed.length === 0) return removed;
    const gone = new Set(removed);
    this.tokens = this.tokens.filter((token) => !gone.has(token));
    for (const token of removed) {
      this.#tokensById.delete(token.id);
      this.#tokensByDigest.delete(token.digest);
    }
    this.dirty = true;
    return removed;
  }

  /** Replaces the token with the same id, which the caller has found; its digest does not change. */
  replaceToken(token: TokenRecord): void {
    const frozen = Object.freeze({ ...token });
    this.tokens = this.tokens.map((t) => (t.id === token.id ? frozen : t));
    this.#tokensById.set(token.id, frozen);
    this.#tokensByDigest.set(token.digest, frozen);
    this.dirty = true;
  }

  /** Adds the grant, or replaces the one with the same id in place (its digests do not change). */
  putGrant(grant: GrantRecord): void {
    const frozen = Object.freeze({ ...grant });
    const index = this.grants.findIndex((g) => g.id === grant.id);
    if (index === -1) this.grants.push(frozen);
    else this.grants[index] = frozen;
    this.#indexGrant(frozen);
    this.dirty = true;
  }

  /** Removes the grants matching `remove` and resolves to them. */
  removeGrants(remove: (grant: GrantRecord) => boolean): GrantRecord[] {
    const removed = this.grants.filter(remove);
    if (removed.length === 0) return removed;
    const gone = new Set(removed);
    this.grants = this.grants.filter((grant) => !gone.has(grant));
    for (const grant of removed) {
      this.#grantsById.delete(grant.id);
      this.#grantsByDigest.delete(grant.digest);
      if (grant.userCodeDigest !== null) this.#grantsByUserCode.delete(grant.userCodeDigest);
    }
    this.dirty = true;
    return removed;
  }

  #indexGrant(grant: GrantRecord): void {
    this.#grantsById.set(grant.id, grant);
    this.#grantsByDigest.set(grant.digest, grant);
    if (grant.userCodeDigest !== null) this.#grantsByUserCode.set(grant.userCodeDigest, grant);
  }
}

/** A client's redirect URIs are an array: frozen too, so the record is a snapshot throughout. */
function freezeClient(client: ClientRecord): ClientRecord {
  return Object.freeze({ ...client, redirectUris: Object.freeze([...client.redirectUris]) as string[] });
}

export function lower(username: string | null): string | null {
  return username === null ? null : username.toLowerCase();
}
