/**
 * The one interface the gateway and the CLI use for persistent state, implemented twice: the
 * lowdb file store (file-store.ts, the default) and the PostgreSQL store for several replicas
 * (pg/pg-store.ts). Both pass one contract suite (test/unit/store/store-contract.ts).
 *
 * Contract:
 * - A write resolves only once it is durable (fsync'd, or committed); it rejects with
 *   StoreConflict or StoreNotFound when it does not apply, and then changes nothing. A store
 *   that cannot be reached rejects with StoreUnavailable (503), never with a wrong answer.
 * - Several processes (gateways and CLI commands) may share one store: a write never loses
 *   another process's write, and a change made elsewhere is seen (and announced through
 *   `onChange`): the file store within `reloadIntervalMs`, PostgreSQL at once (NOTIFY).
 * - Records returned are frozen snapshots; change them through the write methods only.
 */
import type { SharedFailures } from '../access/failure-limiter.js';
import type { ClientRecord, GrantRecord, GrantStatus, SigningKeyRecord, TokenRecord, UserRecord } from './records.js';

export type UserPatch = Partial<Pick<UserRecord, 'role' | 'webdav' | 'passwordHash' | 'twoFactor' | 'name' | 'email' | 'disabled'>>;
export type ClientPatch = Partial<
  Pick<ClientRecord, 'name' | 'role' | 'scope' | 'secretDigest' | 'tokenTtlSeconds' | 'tokenLimit' | 'enabled' | 'redirectUris' | 'postLogoutRedirectUris'>
>;
/** `authTime` and `amr`: a device grant is signed in to when it is approved (device-verification-endpoint.ts). */
export type GrantPatch = Partial<Pick<GrantRecord, 'status' | 'username' | 'scope' | 'usedAt' | 'lastPolledAt' | 'expiresAt' | 'authTime' | 'amr'>>;

/**
 * What changed, so caches can evict exactly what depends on it. Emitted for this process's own
 * writes and for writes by other processes found on reload.
 */
export type StoreChange =
  | { type: 'token-removed'; token: TokenRecord }
  | { type: 'user-changed'; username: string }
  | { type: 'client-changed'; clientId: string }
  /**
   * Anything may have changed (a bulk change elsewhere, or the PostgreSQL store losing or
   * regaining its notification connection): evict everything. While `coherent` is false, other
   * processes' changes may go unannounced, so caches keep nothing until it is true again.
   */
  | { type: 'all-changed'; coherent: boolean };

/** One credential's latest use seen by a process (credentials/token-usage.ts). */
export interface TokenUse {
  id: string;
  /** Epoch seconds. */
  at: number;
  /** The client address (http/client-address.ts). */
  from: string;
}

export interface AddTokenOptions {
  /** Keep only this client's newest N tokens of the same grantType after adding (-1 or absent: no limit). */
  tokenLimitForClient?: number;
}

export interface Store {
  findUser(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<readonly UserRecord[]>;
  /** A user without an `id` is given a random one: the stable OIDC subject. */
  addUser(user: UserRecord): Promise<void>;
  updateUser(username: string, patch: UserPatch, nowSeconds: number): Promise<UserRecord>;
  /**
   * Records that a TOTP time step was used (RFC 6238 §5.2: a code is accepted once), atomically:
   * rejects with StoreConflict when the user's twoFactor.lastStep is already at or past `step`
   * (so of two requests with one code exactly one wins), StoreNotFound without two-factor.
   */
  useTwoFactorStep(username: string, step: number): Promise<UserRecord>;
  /**
   * Consumes one recovery code, atomically: removes `digest` from the user's
   * twoFactor.recoveryCodeDigests, or rejects with StoreConflict when it is not there (used
   * already, or never issued), so of two requests with one code exactly one wins; StoreNotFound
   * without two-factor.
   */
  useRecoveryCode(username: string, digest: string): Promise<UserRecord>;
  /** Removes the user, their tokens, app passwords and grants, and the clients they own (with theirs). */
  removeUser(username: string): Promise<void>;

  findClient(clientId: string): Promise<ClientRecord | undefined>;
  listClients(): Promise<readonly ClientRecord[]>;
  addClient(client: ClientRecord): Promise<void>;
  /** Disabling a client also removes its tokens and grants. */
  updateClient(clientId: string, patch: ClientPatch, nowSeconds: number): Promise<ClientRecord>;
  /** Removes the client, its tokens and its grants. */
  removeClient(clientId: string): Promise<void>;
  /** Removes every client, their tokens and their grants. */
  resetClients(): Promise<void>;

  findTokenByDigest(digest: string): Promise<TokenRecord | undefined>;
  findToken(id: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<readonly TokenRecord[]>;
  /** The tokens and app passwords of one user, oldest first: by index, never a scan of every token (the account page). */
  listTokensOfUser(username: string): Promise<readonly TokenRecord[]>;
  addToken(token: TokenRecord, options?: AddTokenOptions): Promise<void>;
  /**
   * Resolves to the removed token, or undefined when there was none with that id. Tokens whose
   * familyId is this token's id (sessions opened with an app password) are removed with it.
   */
  removeToken(id: string): Promise<TokenRecord | undefined>;
  /** Removes every token and app password, and every pending authorization or device grant. */
  resetTokens(): Promise<void>;
  /**
   * Marks an unused token used (refresh token rotation), atomically: rejects with StoreConflict
   * when it was used already, so of two concurrent exchanges exactly one wins.
   */
  markTokenUsed(id: string, nowSeconds: number): Promise<TokenRecord>;
  /**
   * Sets lastUsedAt / lastUsedFrom of each named token, in one write, only where `at` is later
   * than what is stored (several processes record uses of one token: never back). Tokens that
   * are gone are skipped. Announces nothing and notifies no other process: a use changes no
   * cached credential. Resolves to how many tokens it moved forward.
   */
  recordTokenUses(uses: readonly TokenUse[]): Promise<number>;
  /** Removes every token of a family (RFC 6749 §10.4, §10.5); resolves to how many. */
  removeTokenFamily(familyId: string): Promise<number>;
  /** Removes tokens and grants whose expiresAt is at or before `nowSeconds`; resolves to how many. */
  removeExpiredTokens(nowSeconds: number): Promise<number>;

  addGrant(grant: GrantRecord): Promise<void>;
  findGrantByDigest(digest: string): Promise<GrantRecord | undefined>;
  findGrantByUserCode(userCodeDigest: string): Promise<GrantRecord | undefined>;
  /**
   * Applies `patch` only while the grant's status is one of `whenStatus` (compare-and-set, so a
   * code is redeemed once however many requests race); otherwise rejects with StoreConflict.
   */
  updateGrant(id: string, patch: GrantPatch, whenStatus: readonly GrantStatus[]): Promise<GrantRecord>;

  /** ID token signing keys, oldest first, those past `publishedUntil` included until the next add. */
  listSigningKeys(): Promise<readonly SigningKeyRecord[]>;
  /**
   * Adds a signing key (it becomes the one that signs: the newest) and, in the same write, sets
   * `publishedUntil` on every older key that had none and removes keys whose `publishedUntil`
   * is at or before `nowSeconds`.
   */
  addSigningKey(key: SigningKeyRecord, retire: { publishedUntil: number; nowSeconds: number }): Promise<void>;

  /**
   * Takes in other processes' writes now rather than at the next poll. Called when a credential
   * is not found, so one the CLI has just added works on its first request.
   */
  refresh(): Promise<void>;

  onChange(listener: (change: StoreChange) => void): () => void;
  /** Brute-force limit failures shared by every gateway on this store (PostgreSQL); absent: not shared. */
  readonly sharedFailures?: SharedFailures;
  /** Whether the store answers now (`/readyz`); a store that cannot fail may leave it out. */
  checkReady?(): Promise<boolean>;
  close(): Promise<void>;
}
