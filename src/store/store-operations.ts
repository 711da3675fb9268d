/**
 * Every write as an operation on a draft StoreState: it validates first and mutates only once
 * nothing can fail, so an operation that throws leaves the draft as it was and fails alone in its
 * batch. It returns its result and the changes to announce once the batch is durable.
 * Records are checked against the file's zod schema before they go in: a bad record written
 * would make the store refuse to load (StoreCorrupt) on the next start.
 */
import type { z } from 'zod';
import { StoreConflict, StoreNotFound } from '../errors.js';
import type { ClientRecord, GrantRecord, GrantStatus, TokenRecord, UserRecord } from './records.js';
import { clientRecord, grantRecord, tokenRecord, userRecord } from './records.js';
import type { AddTokenOptions, ClientPatch, GrantPatch, StoreChange, UserPatch } from './store.js';
import type { StoreState } from './store-state.js';
import { lower } from './store-state.js';

export interface OperationOutcome<T> {
  result: T;
  changes: StoreChange[];
}
export type StoreOperation<T> = (state: StoreState) => OperationOutcome<T>;

export const addUser =
  (user: UserRecord): StoreOperation<void> =>
  (state) => {
    const record = check(userRecord, { ...user, username: user.username.toLowerCase() });
    if (state.findUser(record.username)) throw new StoreConflict(`user ${record.username} already exists`);
    state.putUser(record);
    return { result: undefined, changes: [] };
  };

export const updateUser =
  (username: string, patch: UserPatch, nowSeconds: number): StoreOperation<UserRecord> =>
  (state) => {
    const old = requireUser(state, username.toLowerCase());
    const record = check(userRecord, { ...old, ...pick(patch, userPatchKeys), updatedAt: nowSeconds });
    state.putUser(record);
    const changes: StoreChange[] = userChanged(old, record) ? [{ type: 'user-changed', username: old.username }] : [];
    return { result: requireUser(state, old.username), changes };
  };

export const removeUser =
  (username: string): StoreOperation<void> =>
  (state) => {
    const user = requireUser(state, username.toLowerCase());
    state.removeUser(user.username);
    const clients = state.removeClients((client) => client.username === user.username);
    const clientIds = new Set(clients.map((client) => client.clientId));
    const ofUserOrClients = (record: { username: string | null; clientId: string | null }) =>
      record.username === user.username || (record.clientId !== null && clientIds.has(record.clientId));
    const tokens = state.removeTokens(ofUserOrClients);
    state.removeGrants(ofUserOrClients);
    return {
      result: undefined,
      changes: [
        { type: 'user-changed', username: user.username },
        ...clientsChanged(clients),
        ...tokensRemoved(tokens),
      ],
    };
  };

export const addClient =
  (client: ClientRecord): StoreOperation<void> =>
  (state) => {
    const record = check(clientRecord, { ...client, username: lower(client.username) });
    if (state.findClient(record.clientId)) throw new StoreConflict(`client ${record.clientId} already exists`);
    state.putClient(record);
    return { result: undefined, changes: [] };
  };

export const updateClient =
  (clientId: string, patch: ClientPatch, nowSeconds: number): StoreOperation<ClientRecord> =>
  (state) => {
    const old = requireClient(state, clientId);
    const record = check(clientRecord, { ...old, ...pick(patch, clientPatchKeys), updatedAt: nowSeconds });
    state.putClient(record);
    const ofClient = (r: { clientId: string | null }) => r.clientId === clientId;
    if (!record.enabled) state.removeGrants(ofClient);
    const tokens = record.enabled ? [] : state.removeTokens(ofClient);
    return { result: requireClient(state, clientId), changes: [...clientsChanged([old]), ...tokensRemoved(tokens)] };
  };

export const removeClient =
  (clientId: string): StoreOperation<void> =>
  (state) => {
    requireClient(state, clientId);
    return removeClientsAndTheirTokens(state, (client) => client.clientId === clientId);
  };

export const resetClients = (): StoreOperation<void> => (state) => removeClientsAndTheirTokens(state, () => true);

export const addToken =
  (token: TokenRecord, options: AddTokenOptions = {}): StoreOperation<void> =>
  (state) => {
    const record = check(tokenRecord, { ...token, username: lower(token.username) });
    if (state.findToken(record.id)) throw new StoreConflict(`token ${record.id} already exists`);
    if (state.findTokenByDigest(record.digest)) throw new StoreConflict(`token ${record.id}: digest already stored`);
    state.addToken(record);
    const limit = options.tokenLimitForClient ?? -1;
    if (record.clientId === null || limit < 1) return { result: undefined, changes: [] };
    // The limit is on the client's own tokens of this kind of issuance (the reference counts its
    // client_credentials tokens): a new client_credentials token never evicts refresh tokens.
    const ofClient = state.tokens.filter((t) => t.clientId === record.clientId && t.grantType === record.grantType);
    const evicted = new Set(ofClient.slice(0, Math.max(0, ofClient.length - limit)));
    return { result: undefined, changes: tokensRemoved(state.removeTokens((t) => evicted.has(t))) };
  };

export const removeToken =
  (id: string): StoreOperation<TokenRecord | undefined> =>
  (state) => {
    if (!state.findToken(id)) return { result: undefined, changes: [] };
    // Tokens whose family is this token (sessions opened with an app password) go with it.
    const removed = state.removeTokens((token) => token.id === id || token.familyId === id);
    return { result: removed.find((token) => token.id === id), changes: tokensRemoved(removed) };
  };

/** Pending codes and device grants go too: after a reset nothing may mint a new token. */
export const resetTokens = (): StoreOperation<void> => (state) => {
  state.removeGrants(() => true);
  return { result: undefined, changes: tokensRemoved(state.removeTokens(() => true)) };
};

/** Refresh token rotation: of two exchanges of one token, in one batch or not, the second conflicts. */
export const markTokenUsed =
  (id: string, nowSeconds: number): StoreOperation<TokenRecord> =>
  (state) => {
    const token = state.findToken(id);
    if (!token) throw new StoreNotFound(`no token ${id}`);
    if (token.usedAt !== null) throw new StoreConflict(`token ${id} was used already`);
    state.replaceToken(check(tokenRecord, { ...token, usedAt: nowSeconds }));
    return { result: state.findToken(id) as TokenRecord, changes: [] };
  };

export const removeTokenFamily =
  (familyId: string): StoreOperation<number> =>
  (state) => {
    const removed = state.removeTokens((token) => token.familyId === familyId);
    return { result: removed.length, changes: tokensRemoved(removed) };
  };

/** Tokens and grants; grants are never cached, so only the tokens are announced. */
export const removeExpiredTokens =
  (nowSeconds: number): StoreOperation<number> =>
  (state) => {
    const removed = state.removeTokens((token) => token.expiresAt !== null && token.expiresAt <= nowSeconds);
    const grants = state.removeGrants((grant) => grant.expiresAt <= nowSeconds);
    return { result: removed.length + grants.length, changes: tokensRemoved(removed) };
  };

export const addGrant =
  (grant: GrantRecord): StoreOperation<void> =>
  (state) => {
    const record = check(grantRecord, { ...grant, username: lower(grant.username) });
    if (state.findGrant(record.id)) throw new StoreConflict(`grant ${record.id} already exists`);
    if (state.findGrantByDigest(record.digest)) throw new StoreConflict(`grant ${record.id}: digest already stored`);
    if (record.userCodeDigest !== null && state.findGrantByUserCode(record.userCodeDigest)) {
      throw new StoreConflict(`grant ${record.id}: user code already stored`);
    }
    state.putGrant(record);
    return { result: undefined, changes: [] };
  };

/** Compare-and-set on the status: an authorization code is redeemed once however many requests race. */
export const updateGrant =
  (id: string, patch: GrantPatch, whenStatus: readonly GrantStatus[]): StoreOperation<GrantRecord> =>
  (state) => {
    const old = state.findGrant(id);
    if (!old) throw new StoreNotFound(`no grant ${id}`);
    if (!whenStatus.includes(old.status)) throw new StoreConflict(`grant ${id} is ${old.status}`);
    const next = { ...old, ...pick(patch, grantPatchKeys) };
    state.putGrant(check(grantRecord, { ...next, username: lower(next.username) }));
    return { result: state.findGrant(id) as GrantRecord, changes: [] };
  };

function removeClientsAndTheirTokens(
  state: StoreState,
  remove: (client: ClientRecord) => boolean,
): OperationOutcome<void> {
  const clients = state.removeClients(remove);
  const clientIds = new Set(clients.map((client) => client.clientId));
  const ofClients = (record: { clientId: string | null }) => record.clientId !== null && clientIds.has(record.clientId);
  const tokens = state.removeTokens(ofClients);
  state.removeGrants(ofClients);
  return { result: undefined, changes: [...clientsChanged(clients), ...tokensRemoved(tokens)] };
}

/** Whether a change to this user must evict what was cached for them. */
export function userChanged(old: UserRecord, next: UserRecord): boolean {
  return old.passwordHash !== next.passwordHash || old.role !== next.role || old.webdav !== next.webdav;
}

function requireUser(state: StoreState, username: string): UserRecord {
  const user = state.findUser(username);
  if (!user) throw new StoreNotFound(`no user ${username}`);
  return user;
}

function requireClient(state: StoreState, clientId: string): ClientRecord {
  const client = state.findClient(clientId);
  if (!client) throw new StoreNotFound(`no client ${clientId}`);
  return client;
}

function check<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new TypeError(
      `invalid record: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

const userPatchKeys = ['role', 'webdav', 'passwordHash'] as const;
const clientPatchKeys = [
  'name',
  'role',
  'scope',
  'secretDigest',
  'tokenTtlSeconds',
  'tokenLimit',
  'enabled',
  'redirectUris',
] as const;
const grantPatchKeys = ['status', 'username', 'scope', 'usedAt', 'lastPolledAt', 'expiresAt'] as const;

/** Only the fields a patch may change, and only those given. */
function pick<T extends object>(patch: T, keys: readonly (keyof T)[]): Partial<T> {
  return Object.fromEntries(
    keys.filter((key) => patch[key] !== undefined).map((key) => [key, patch[key]]),
  ) as Partial<T>;
}

const clientsChanged = (clients: readonly ClientRecord[]): StoreChange[] =>
  clients.map((client) => ({ type: 'client-changed', clientId: client.clientId }));

const tokensRemoved = (tokens: readonly TokenRecord[]): StoreChange[] =>
  tokens.map((token) => ({ type: 'token-removed', token }));
