/**
 * Every write as an operation on a draft StoreState: it validates first and mutates only once
 * nothing can fail, so an operation that throws leaves the draft as it was and fails alone in its
 * batch. It returns its result and the changes to announce once the batch is durable.
 * Records are checked against the file's zod schema before they go in: a bad record written
 * would make the store refuse to load (StoreCorrupt) on the next start.
 */
import type { z } from 'zod';
import { StoreConflict, StoreNotFound } from '../errors.js';
import type { ClientRecord, TokenRecord, UserRecord } from './records.js';
import { clientRecord, tokenRecord, userRecord } from './records.js';
import type { AddTokenOptions, ClientPatch, StoreChange, UserPatch } from './store.js';
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
    const tokens = state.removeTokens(
      (token) => token.username === user.username || (token.clientId !== null && clientIds.has(token.clientId)),
    );
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
    const tokens = record.enabled ? [] : state.removeTokens((token) => token.clientId === clientId);
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
    const ofClient = state.tokens.filter((t) => t.clientId === record.clientId);
    const evicted = new Set(ofClient.slice(0, Math.max(0, ofClient.length - limit)));
    return { result: undefined, changes: tokensRemoved(state.removeTokens((t) => evicted.has(t))) };
  };

export const removeToken =
  (id: string): StoreOperation<TokenRecord | undefined> =>
  (state) => {
    const [removed] = state.findToken(id) ? state.removeTokens((token) => token.id === id) : [];
    return { result: removed, changes: removed ? tokensRemoved([removed]) : [] };
  };

export const resetTokens = (): StoreOperation<void> => (state) => ({
  result: undefined,
  changes: tokensRemoved(state.removeTokens(() => true)),
});

export const removeExpiredTokens =
  (nowSeconds: number): StoreOperation<number> =>
  (state) => {
    const removed = state.removeTokens((token) => token.expiresAt !== null && token.expiresAt <= nowSeconds);
    return { result: removed.length, changes: tokensRemoved(removed) };
  };

function removeClientsAndTheirTokens(
  state: StoreState,
  remove: (client: ClientRecord) => boolean,
): OperationOutcome<void> {
  const clients = state.removeClients(remove);
  const clientIds = new Set(clients.map((client) => client.clientId));
  const tokens = state.removeTokens((token) => token.clientId !== null && clientIds.has(token.clientId));
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
const clientPatchKeys = ['name', 'role', 'scope', 'secretDigest', 'tokenTtlSeconds', 'tokenLimit', 'enabled'] as const;

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
