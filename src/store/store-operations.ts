/**
 * Every write as an operation on the batch's StoreDraft: it validates first and changes the draft
 * only once nothing can fail, so an operation that throws leaves the draft as it was and fails
 * alone in its batch. It returns its result and the changes to announce once the batch is
 * durable. Cascades follow the state's indexes (a client's tokens, a family), so an operation
 * costs what it touches, not the size of the store.
 * Records are checked against the file's zod schema before they go in: a bad record written
 * would make the store refuse to load (StoreCorrupt) on the next start.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { StoreConflict, StoreNotFound } from '../errors.js';
import { keyOf } from './change-set.js';
import type { ClientRecord, GrantRecord, GrantStatus, SigningKeyRecord, TokenRecord, UserRecord } from './records.js';
import { clientRecord, grantRecord, signingKeyRecord, tokenRecord, userRecord } from './records.js';
import type { AddTokenOptions, ClientPatch, GrantPatch, StoreChange, TokenUse, UserPatch } from './store.js';
import type { StoreDraft } from './store-draft.js';
import { lower } from './store-state.js';
import { userChanged } from './user-changed.js';

export interface OperationOutcome<T> {
  result: T;
  changes: StoreChange[];
}
export type StoreOperation<T> = (draft: StoreDraft) => OperationOutcome<T>;

export const addUser =
  (user: UserRecord): StoreOperation<void> =>
  (draft) => {
    const record = check(userRecord, { ...user, id: user.id ?? `u${randomBytes(12).toString('hex')}`, username: user.username.toLowerCase() });
    if (draft.findUser(record.username)) throw new StoreConflict(`user ${record.username} already exists`);
    draft.put('users', record);
    return { result: undefined, changes: [] };
  };

export const updateUser =
  (username: string, patch: UserPatch, nowSeconds: number): StoreOperation<UserRecord> =>
  (draft) => {
    const old = requireUser(draft, username.toLowerCase());
    const record = check(userRecord, { ...old, ...pick(patch, userPatchKeys), updatedAt: nowSeconds });
    draft.put('users', record);
    const changes: StoreChange[] = userChanged(old, record) ? [{ type: 'user-changed', username: old.username }] : [];
    return { result: requireUser(draft, old.username), changes };
  };

export const useTwoFactorStep =
  (username: string, step: number): StoreOperation<UserRecord> =>
  (draft) => {
    const old = requireUser(draft, username.toLowerCase());
    if (!old.twoFactor) throw new StoreNotFound(`user ${old.username} has no two-factor sign-in`);
    if (old.twoFactor.lastStep >= step) throw new StoreConflict(`time step ${step} was used already`);
    draft.put('users', check(userRecord, { ...old, twoFactor: { ...old.twoFactor, lastStep: step } }));
    return { result: requireUser(draft, old.username), changes: [] };
  };

export const useRecoveryCode =
  (username: string, digest: string): StoreOperation<UserRecord> =>
  (draft) => {
    const old = requireUser(draft, username.toLowerCase());
    if (!old.twoFactor) throw new StoreNotFound(`user ${old.username} has no two-factor sign-in`);
    const left = old.twoFactor.recoveryCodeDigests.filter((held) => held !== digest);
    if (left.length === old.twoFactor.recoveryCodeDigests.length) throw new StoreConflict('the recovery code was used already');
    draft.put('users', check(userRecord, { ...old, twoFactor: { ...old.twoFactor, recoveryCodeDigests: left } }));
    return { result: requireUser(draft, old.username), changes: [] };
  };

export const removeUser =
  (username: string): StoreOperation<void> =>
  (draft) => {
    const user = requireUser(draft, username.toLowerCase());
    draft.delete('users', user.username);
    const tokens = removeAll(draft, 'tokens', tokensOfUser(draft, user.username));
    const clients = removeAll(draft, 'clients', clientsOfUser(draft, user.username));
    const clientIds = new Set(clients.map((client) => client.clientId));
    removeAll(
      draft,
      'grants',
      draft.all('grants').filter((grant) => grant.username === user.username || clientIds.has(grant.clientId)),
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

/** The clients a user owns: removing the user removes them. */
const clientsOfUser = (draft: StoreDraft, username: string): ClientRecord[] =>
  draft.all('clients').filter((client) => client.username === username);

/** The tokens removing a user removes: its own and those of the clients it owns. */
export const tokensOfUser = (draft: StoreDraft, username: string): TokenRecord[] => [
  ...draft.tokensBy('username', username),
  ...clientsOfUser(draft, username).flatMap((client) => draft.tokensBy('clientId', client.clientId)),
];

export const addClient =
  (client: ClientRecord): StoreOperation<void> =>
  (draft) => {
    const record = check(clientRecord, { ...client, username: lower(client.username) });
    if (draft.findClient(record.clientId)) throw new StoreConflict(`client ${record.clientId} already exists`);
    draft.put('clients', record);
    return { result: undefined, changes: [] };
  };

export const updateClient =
  (clientId: string, patch: ClientPatch, nowSeconds: number): StoreOperation<ClientRecord> =>
  (draft) => {
    const old = requireClient(draft, clientId);
    const record = check(clientRecord, { ...old, ...pick(patch, clientPatchKeys), updatedAt: nowSeconds });
    draft.put('clients', record);
    let tokens: TokenRecord[] = [];
    if (!record.enabled) {
      removeAll(draft, 'grants', draft.all('grants').filter((grant) => grant.clientId === clientId));
      tokens = removeAll(draft, 'tokens', draft.tokensBy('clientId', clientId));
    }
    return { result: requireClient(draft, clientId), changes: [...clientsChanged([old]), ...tokensRemoved(tokens)] };
  };

export const removeClient =
  (clientId: string): StoreOperation<void> =>
  (draft) => {
    const client = requireClient(draft, clientId);
    return removeClientsAndTheirTokens(draft, [client]);
  };

export const resetClients = (): StoreOperation<void> => (draft) => removeClientsAndTheirTokens(draft, draft.all('clients'));

export const addToken =
  (token: TokenRecord, options: AddTokenOptions = {}): StoreOperation<void> =>
  (draft) => {
    const record = check(tokenRecord, { ...token, username: lower(token.username) });
    if (draft.findToken(record.id)) throw new StoreConflict(`token ${record.id} already exists`);
    if (draft.findTokenByDigest(record.digest)) throw new StoreConflict(`token ${record.id}: digest already stored`);
    draft.put('tokens', record);
    const limit = options.tokenLimitForClient ?? -1;
    if (record.clientId === null || limit < 1) return { result: undefined, changes: [] };
    // The limit is on the client's own tokens of this kind of issuance (the reference counts its
    // client_credentials tokens): a new client_credentials token never evicts refresh tokens.
    const ofClient = draft.tokensBy('clientId', record.clientId).filter((t) => t.grantType === record.grantType);
    const evicted = ofClient.slice(0, Math.max(0, ofClient.length - limit));
    return { result: undefined, changes: tokensRemoved(removeAll(draft, 'tokens', evicted)) };
  };

export const removeToken =
  (id: string): StoreOperation<TokenRecord | undefined> =>
  (draft) => {
    const token = draft.findToken(id);
    if (!token) return { result: undefined, changes: [] };
    // Tokens whose family is this token (sessions opened with an app password) go with it.
    const removed = removeAll(draft, 'tokens', [token, ...draft.tokensBy('familyId', id).filter((t) => t.id !== id)]);
    return { result: token, changes: tokensRemoved(removed) };
  };

/** Pending codes and device grants go too: after a reset nothing may mint a new token. */
export const resetTokens = (): StoreOperation<void> => (draft) => {
  removeAll(draft, 'grants', draft.all('grants'));
  return { result: undefined, changes: tokensRemoved(removeAll(draft, 'tokens', draft.all('tokens'))) };
};

/**
 * Up to `limit` of the tokens `select` picks, removed in one write; resolves to how many. Bulk removals (`auth reset`, removing a client or a
 * user with many tokens) run as several of these before their own, now small, write: one journal
 * line of 100,000 removals took another process 33 ms to parse and 176 ms to apply.
 */
export const removeTokensBatch =
  (select: (draft: StoreDraft) => Iterable<TokenRecord>, limit: number): StoreOperation<number> =>
  (draft) => {
    const picked: TokenRecord[] = [];
    for (const token of select(draft)) {
      if (picked.length >= limit) break;
      picked.push(token);
    }
    const removed = removeAll(draft, 'tokens', picked);
    return { result: removed.length, changes: tokensRemoved(removed) };
  };

/** Refresh token rotation: of two exchanges of one token, in one batch or not, the second conflicts. */
export const markTokenUsed =
  (id: string, nowSeconds: number): StoreOperation<TokenRecord> =>
  (draft) => {
    const token = draft.findToken(id);
    if (!token) throw new StoreNotFound(`no token ${id}`);
    if (token.usedAt !== null) throw new StoreConflict(`token ${id} was used already`);
    draft.put('tokens', check(tokenRecord, { ...token, usedAt: nowSeconds }));
    return { result: draft.findToken(id) as TokenRecord, changes: [] };
  };

/** Last uses, forward only; no announcement: the credential itself did not change. */
export const recordTokenUses =
  (uses: readonly TokenUse[]): StoreOperation<number> =>
  (draft) => {
    let recorded = 0;
    for (const use of uses) {
      const token = draft.findToken(use.id);
      if (!token || (token.lastUsedAt ?? -1) >= use.at) continue;
      draft.put('tokens', check(tokenRecord, { ...token, lastUsedAt: use.at, lastUsedFrom: use.from }));
      recorded++;
    }
    return { result: recorded, changes: [] };
  };

export const removeTokenFamily =
  (familyId: string): StoreOperation<number> =>
  (draft) => {
    const removed = removeAll(draft, 'tokens', draft.tokensBy('familyId', familyId));
    return { result: removed.length, changes: tokensRemoved(removed) };
  };

/**
 * One bounded batch of the background purge (purge-expired.ts): of the tokens and grants named,
 * those still there and expired at `nowSeconds`. Grants are never cached, so only the tokens are
 * announced.
 */
export const removeExpired =
  (tokenIds: readonly string[], grantIds: readonly string[], nowSeconds: number): StoreOperation<number> =>
  (draft) => {
    const expired = <R extends { expiresAt: number | null }>(record: R | undefined): record is R =>
      record !== undefined && record.expiresAt !== null && record.expiresAt <= nowSeconds;
    const tokens = removeAll(draft, 'tokens', tokenIds.map((id) => draft.findToken(id)).filter(expired));
    const grants = removeAll(draft, 'grants', grantIds.map((id) => draft.findGrant(id)).filter(expired));
    return { result: tokens.length + grants.length, changes: tokensRemoved(tokens) };
  };

export const addSigningKey =
  (key: SigningKeyRecord, retire: { publishedUntil: number; nowSeconds: number }): StoreOperation<void> =>
  (draft) => {
    const record = check(signingKeyRecord, key);
    if (draft.get('signingKeys', record.kid)) throw new StoreConflict(`signing key ${record.kid} already exists`);
    for (const old of draft.all('signingKeys')) {
      if (old.publishedUntil !== null && old.publishedUntil <= retire.nowSeconds) draft.delete('signingKeys', old.kid);
      else if (old.publishedUntil === null) draft.put('signingKeys', { ...old, publishedUntil: retire.publishedUntil });
    }
    draft.put('signingKeys', record);
    return { result: undefined, changes: [] };
  };

export const addGrant =
  (grant: GrantRecord): StoreOperation<void> =>
  (draft) => {
    const record = check(grantRecord, { ...grant, username: lower(grant.username) });
    if (draft.findGrant(record.id)) throw new StoreConflict(`grant ${record.id} already exists`);
    if (draft.findGrantByDigest(record.digest)) throw new StoreConflict(`grant ${record.id}: digest already stored`);
    if (record.userCodeDigest !== null && draft.findGrantByUserCode(record.userCodeDigest)) {
      throw new StoreConflict(`grant ${record.id}: user code already stored`);
    }
    draft.put('grants', record);
    return { result: undefined, changes: [] };
  };

/** Compare-and-set on the status: an authorization code is redeemed once however many requests race. */
export const updateGrant =
  (id: string, patch: GrantPatch, whenStatus: readonly GrantStatus[]): StoreOperation<GrantRecord> =>
  (draft) => {
    const old = draft.findGrant(id);
    if (!old) throw new StoreNotFound(`no grant ${id}`);
    if (!whenStatus.includes(old.status)) throw new StoreConflict(`grant ${id} is ${old.status}`);
    const next = { ...old, ...pick(patch, grantPatchKeys) };
    draft.put('grants', check(grantRecord, { ...next, username: lower(next.username) }));
    return { result: draft.findGrant(id) as GrantRecord, changes: [] };
  };

function removeClientsAndTheirTokens(draft: StoreDraft, clients: readonly ClientRecord[]): OperationOutcome<void> {
  removeAll(draft, 'clients', clients);
  const clientIds = new Set(clients.map((client) => client.clientId));
  const tokens = removeAll(
    draft,
    'tokens',
    clients.flatMap((client) => draft.tokensBy('clientId', client.clientId)),
  );
  removeAll(draft, 'grants', draft.all('grants').filter((grant) => clientIds.has(grant.clientId)));
  return { result: undefined, changes: [...clientsChanged(clients), ...tokensRemoved(tokens)] };
}

/** Deletes the records (each once) and returns them, in the order given. */
function removeAll<R extends TokenRecord | ClientRecord | GrantRecord>(
  draft: StoreDraft,
  table: 'tokens' | 'clients' | 'grants',
  records: readonly R[],
): R[] {
  const seen = new Set<string>();
  const removed: R[] = [];
  for (const record of records) {
    const key = keyOf[table](record as never);
    if (seen.has(key)) continue;
    seen.add(key);
    draft.delete(table, key);
    removed.push(record);
  }
  return removed;
}

function requireUser(draft: StoreDraft, username: string): UserRecord {
  const user = draft.findUser(username);
  if (!user) throw new StoreNotFound(`no user ${username}`);
  return user;
}

function requireClient(draft: StoreDraft, clientId: string): ClientRecord {
  const client = draft.findClient(clientId);
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

const userPatchKeys = ['role', 'webdav', 'passwordHash', 'twoFactor', 'name', 'email', 'disabled'] as const;
const clientPatchKeys = [
  'name',
  'role',
  'scope',
  'secretDigest',
  'tokenTtlSeconds',
  'tokenLimit',
  'enabled',
  'redirectUris',
  'postLogoutRedirectUris',
] as const;
const grantPatchKeys = ['status', 'username', 'scope', 'usedAt', 'lastPolledAt', 'expiresAt', 'authTime', 'amr'] as const;

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
