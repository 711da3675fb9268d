/**
 * From a parsed credential to a Principal: cache first, then the store, then argon2.
 *
 * Tokens and app passwords are looked up by their SHA-256 digest. Basic with username + app
 * password is an app password of that user; any other Basic password is the user's own password,
 * verified with argon2id. Unknown users are verified against a dummy hash, so they take the same
 * time and get the same answer as a wrong password; so do disabled users, whose every credential
 * is refused (store/find-active-user.ts). Concurrent checks of the same username and
 * password share one verification, and argon2 runs on at most `maxConcurrentHashes` at once
 * (HAZARDS H15).
 */
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { parseScopeGrant } from '../access/scope-grant.js';
import type { Clock } from '../clock.js';
import { InvalidToken } from '../errors.js';
import type { ClientRecord, TokenRecord, UserRecord } from '../store/records.js';
import { findFresh } from '../store/find-fresh.js';
import { isActiveUser } from '../store/find-active-user.js';
import type { Store } from '../store/store.js';
import type { CredentialCache } from './credential-cache.js';
import type { Credential } from './parse-credentials.js';
import type { PasswordHasher } from './password-hash.js';
import type { Principal } from './principal.js';
import { digestSecret, isAppPassword } from './secrets.js';

export interface Authenticator {
  /** Resolves to the principal; rejects with InvalidToken for anything not valid right now. */
  authenticate(credential: Credential): Promise<Principal>;
  /** The principal if this credential was validated recently (cached), without any other work. */
  cached(credential: Credential): Principal | undefined;
}

function cacheKey(credential: Credential): string {
  if (credential.type === 'token') return `t:${digestSecret(credential.token)}`;
  return `b:${digestSecret(`${credential.username.toLowerCase()}\0${credential.password}`)}`;
}

export interface AuthenticatorDeps {
  store: Store;
  hasher: PasswordHasher;
  cache: CredentialCache;
  clock: Clock;
  maxConcurrentHashes?: number;
}

const invalid = (detail: string) => new InvalidToken({ description: 'The credential is not valid.', detail });

export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const { store, hasher, cache, clock } = deps;
  const inFlight = new Map<string, Promise<Principal>>();
  const hashSlots = pLimit(deps.maxConcurrentHashes ?? Math.max(1, availableParallelism()));
  let dummyHash: Promise<string> | undefined;

  const isExpired = (token: TokenRecord) => token.expiresAt !== null && token.expiresAt * 1000 <= clock.nowMs();

  async function principalForToken(
    token: TokenRecord,
    kind: Principal['kind'],
  ): Promise<{ principal: Principal; dependsOn: string[] }> {
    const user = token.username === null ? undefined : await store.findUser(token.username);
    if (token.username !== null && !isActiveUser(user)) throw invalid('token of a removed or disabled user');
    let client: ClientRecord | undefined;
    if (token.clientId !== null) {
      client = await store.findClient(token.clientId);
      if (client === undefined || !client.enabled) throw invalid('token of a removed or disabled client');
    }
    const principal: Principal = {
      kind,
      username: user?.username ?? null,
      role: user?.role ?? client?.role ?? 'client',
      webdav: user?.webdav === true && token.clientId === null,
      clientId: token.clientId,
      credentialId: token.id,
      scope: token.scope,
      grant: parseScopeGrant(token.scope),
      expiresAt: token.expiresAt,
      twoFactor: user?.twoFactor?.activatedAt != null,
      amr: token.amr ?? [],
    };
    const dependsOn = [`token:${token.digest}`];
    if (user) dependsOn.push(`user:${user.username}`);
    if (client) dependsOn.push(`client:${client.clientId}`);
    return { principal, dependsOn };
  }

  function principalForUser(user: UserRecord): Principal {
    return {
      kind: 'user_password',
      username: user.username,
      role: user.role,
      webdav: user.webdav,
      clientId: null,
      credentialId: null,
      scope: '*',
      grant: parseScopeGrant('*'),
      expiresAt: null,
      twoFactor: user.twoFactor?.activatedAt != null,
      amr: ['pwd'],
    };
  }

  async function verifyToken(digest: string): Promise<Principal> {
    const generation = cache.generation;
    const record = await findFresh(store, () => store.findTokenByDigest(digest));
    if (record === undefined || isExpired(record) || record.kind === 'refresh_token') {
      throw invalid('unknown or expired token');
    }
    const { principal, dependsOn } = await principalForToken(record, record.kind);
    cache.set(`t:${digest}`, { principal, dependsOn }, generation);
    return principal;
  }

  async function verifyBasic(username: string, password: string, key: string): Promise<Principal> {
    const generation = cache.generation;
    const found = await findFresh(store, () => store.findUser(username));
    // A disabled user is checked like an unknown one: the dummy hash, the same answer.
    const user = isActiveUser(found) ? found : undefined;
    if (user !== undefined && isAppPassword(password)) {
      const digest = digestSecret(password);
      const record = await findFresh(store, () => store.findTokenByDigest(digest));
      if (record?.kind === 'app_password' && record.username === user.username && !isExpired(record)) {
        const { principal, dependsOn } = await principalForToken(record, 'app_password');
        cache.set(key, { principal, dependsOn }, generation);
        return principal;
      }
    }
    dummyHash ??= hasher.hash('photogate-dummy-password');
    const passwordHash = user?.passwordHash ?? (await dummyHash);
    const ok = await hashSlots(() => hasher.verify(passwordHash, password));
    if (!ok || user === undefined) throw invalid('wrong username or password');
    const principal = principalForUser(user);
    cache.set(key, { principal, dependsOn: [`user:${user.username}`] }, generation);
    return principal;
  }

  /** One verification per key at a time; later callers share its outcome. */
  function once(key: string, verify: () => Promise<Principal>): Promise<Principal> {
    let pending = inFlight.get(key);
    if (!pending) {
      pending = verify().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  return {
    authenticate(credential) {
      const key = cacheKey(credential);
      const hit = cache.get(key);
      if (hit) return Promise.resolve(hit);
      if (credential.type === 'token') return once(key, () => verifyToken(key.slice(2)));
      return once(key, () => verifyBasic(credential.username.toLowerCase(), credential.password, key));
    },
    cached(credential) {
      return cache.get(cacheKey(credential));
    },
  };
}
