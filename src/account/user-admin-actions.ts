/**
 * What an administrator may do to other people's accounts (issue 14 point 3), one implementation
 * for both front ends: the Users section of /account (user-admin-endpoints.ts) and the CLI
 * (`photogate users …`, `auth ls --user`, `auth rm`). A test runs each action through one front
 * end and checks the other sees it (test/integration/account-admin-cli-parity.test.ts).
 *
 * - Generated passwords (add without one, reset) come from credentials/secrets.ts, are returned
 *   once to be shown, and exist nowhere else: only their argon2id hash is stored.
 * - A reset ends the user's sessions and refresh tokens (so every signed-in browser and app must
 *   sign in again); their app passwords stay, as with a password change.
 * - Disabling refuses every credential of the user from the next request on (store/
 *   find-active-user.ts; the store's change event evicts the credential cache) and ends their
 *   sessions and refresh tokens; app passwords are kept and work again once the user is enabled.
 * - An admin cannot disable or remove themself, and nobody can disable or remove the last enabled
 *   admin: the gateway would have no one left to manage it.
 * - Every change is an audit event naming who acted (`actor`) and on whom (`username`), never a
 *   secret.
 */
import type { Audit, AuditEvent } from '../audit/audit.js';
import { type Clock, nowSeconds } from '../clock.js';
import type { PasswordHasher } from '../credentials/password-hash.js';
import { generateUserPassword } from '../credentials/secrets.js';
import { InvalidRequest, NotFound } from '../errors.js';
import { isActiveUser } from '../store/find-active-user.js';
import type { TokenRecord, UserRecord, UserRole } from '../store/records.js';
import { userRoles } from '../store/records.js';
import type { Store } from '../store/store.js';

export const usernamePattern = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
export const minUserPasswordLength = 8;

/** Who acts: an admin signed in to /account (their username and address), or the CLI (no username). */
export interface Actor {
  username: string | null;
  address: string;
}

export interface UserSummary {
  username: string;
  role: UserRole;
  webdav: boolean;
  twoFactor: boolean;
  disabled: boolean;
  createdAt: number;
  appPasswords: number;
}

export interface NewUser {
  username: string;
  role: UserRole;
  webdav: boolean;
  /** Absent: one is generated and returned. */
  password?: string | undefined;
  name?: string | undefined;
  email?: string | undefined;
}

export interface UserAdminActions {
  listUsers(): Promise<UserSummary[]>;
  requireUser(username: string): Promise<UserRecord>;
  /** Resolves to the user and the generated password (undefined when one was given). */
  addUser(by: Actor, user: NewUser): Promise<{ user: UserRecord; generatedPassword: string | undefined }>;
  resetPassword(by: Actor, username: string, password?: string): Promise<{ user: UserRecord; generatedPassword: string | undefined }>;
  setWebdav(by: Actor, username: string, webdav: boolean): Promise<UserRecord>;
  setDisabled(by: Actor, username: string, disabled: boolean): Promise<UserRecord>;
  turnOffTwoFactor(by: Actor, username: string): Promise<UserRecord>;
  removeUser(by: Actor, username: string): Promise<void>;
  /** A user's app passwords that have not expired, newest first. */
  listAppPasswords(username: string): Promise<TokenRecord[]>;
  revokeAppPassword(by: Actor, id: string): Promise<TokenRecord>;
}

export interface UserAdminActionsDeps {
  store: Store;
  clock: Clock;
  hasher: PasswordHasher;
  audit: Audit;
}

export function normalizeUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (!usernamePattern.test(username)) {
    throw new InvalidRequest({ description: 'Usernames are 1 to 64 of a-z 0-9 . _ @ -, starting with a letter or digit.' });
  }
  return username;
}

function checkPassword(password: string): void {
  if (password.length < minUserPasswordLength) {
    throw new InvalidRequest({ description: `The password must be at least ${minUserPasswordLength} characters.` });
  }
}

export function createUserAdminActions(deps: UserAdminActionsDeps): UserAdminActions {
  const { store, clock } = deps;
  const now = () => nowSeconds(clock);

  function record(by: Actor, event: Omit<AuditEvent, 'outcome' | 'address' | 'actor'>): void {
    deps.audit.record({ ...event, outcome: 'success', address: by.address, ...(by.username !== null && { actor: `admin:${by.username}` }) });
  }

  async function requireUser(username: string): Promise<UserRecord> {
    const user = await store.findUser(username);
    if (user === undefined) throw new NotFound({ description: `There is no user "${username.toLowerCase()}".` });
    return user;
  }

  /** Not themself, and never the last enabled admin. */
  async function checkMayLose(by: Actor, user: UserRecord, what: string): Promise<void> {
    if (by.username !== null && by.username === user.username) {
      throw new InvalidRequest({ description: `You cannot ${what} your own account.` });
    }
    if (user.role !== 'admin' || !isActiveUser(user)) return;
    const admins = (await store.listUsers()).filter((other) => other.role === 'admin' && isActiveUser(other));
    if (admins.length <= 1) throw new InvalidRequest({ description: `"${user.username}" is the last administrator: make another one first.` });
  }

  /** Sessions and refresh tokens: everything a sign-in produced (app passwords are kept). */
  async function endSignIns(username: string): Promise<number> {
    const ended = (await store.listTokensOfUser(username)).filter((t) => t.kind === 'session' || t.kind === 'refresh_token');
    for (const token of ended) await store.removeToken(token.id);
    return ended.length;
  }

  async function listAppPasswords(username: string): Promise<TokenRecord[]> {
    const at = now();
    return (await store.listTokensOfUser(username))
      .filter((t) => t.kind === 'app_password' && (t.expiresAt === null || t.expiresAt > at))
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  }

  return {
    requireUser,
    listAppPasswords,

    async listUsers() {
      const users = await store.listUsers();
      // Counted, not listed: at 100,000 tokens a list (filtered and sorted) per user was most of the page's time.
      const at = now();
      const countAppPasswords = async (username: string) => {
        let count = 0;
        for (const t of await store.listTokensOfUser(username)) if (t.kind === 'app_password' && (t.expiresAt === null || t.expiresAt > at)) count++;
        return count;
      };
      const counts = new Map(await Promise.all(users.map(async (user) => [user.username, await countAppPasswords(user.username)] as const)));
      return [...users]
        .sort((a, b) => a.username.localeCompare(b.username))
        .map((user) => ({
          username: user.username,
          role: user.role,
          webdav: user.webdav,
          twoFactor: user.twoFactor?.activatedAt != null,
          disabled: user.disabled === true,
          createdAt: user.createdAt,
          appPasswords: counts.get(user.username) ?? 0,
        }));
    },

    async addUser(by, input) {
      const username = normalizeUsername(input.username);
      if (!(userRoles as readonly string[]).includes(input.role)) throw new InvalidRequest({ description: 'The role is admin or user.' });
      if (input.password !== undefined) checkPassword(input.password);
      if (await store.findUser(username)) throw new InvalidRequest({ description: `A user "${username}" exists already.` });
      const generatedPassword = input.password === undefined ? generateUserPassword() : undefined;
      const passwordHash = await deps.hasher.hash(input.password ?? (generatedPassword as string));
      const at = now();
      const profile = { ...(input.name !== undefined && { name: input.name }), ...(input.email !== undefined && { email: input.email }) };
      await store.addUser({ username, role: input.role, webdav: input.webdav, passwordHash, ...profile, createdAt: at, updatedAt: at });
      record(by, { event: 'user_changed', username, action: 'added', reason: `role ${input.role}` });
      return { user: await requireUser(username), generatedPassword };
    },

    async resetPassword(by, username, password) {
      const user = await requireUser(username);
      if (password !== undefined) checkPassword(password);
      const generatedPassword = password === undefined ? generateUserPassword() : undefined;
      const passwordHash = await deps.hasher.hash(password ?? (generatedPassword as string));
      const updated = await store.updateUser(user.username, { passwordHash }, now());
      const ended = await endSignIns(user.username);
      record(by, { event: 'password_changed', username: user.username, action: 'reset', reason: `${ended} sessions ended` });
      return { user: updated, generatedPassword };
    },

    async setWebdav(by, username, webdav) {
      const user = await requireUser(username);
      const updated = await store.updateUser(user.username, { webdav }, now());
      record(by, { event: 'user_changed', username: user.username, action: webdav ? 'webdav on' : 'webdav off' });
      return updated;
    },

    async setDisabled(by, username, disabled) {
      const user = await requireUser(username);
      if (disabled) await checkMayLose(by, user, 'disable');
      const updated = await store.updateUser(user.username, { disabled }, now());
      if (disabled) await endSignIns(user.username);
      record(by, { event: 'user_changed', username: user.username, action: disabled ? 'disabled' : 'enabled' });
      return updated;
    },

    async turnOffTwoFactor(by, username) {
      const user = await requireUser(username);
      const updated = await store.updateUser(user.username, { twoFactor: null }, now());
      record(by, { event: 'two_factor_changed', username: user.username, action: 'disabled', reason: 'by an administrator' });
      return updated;
    },

    async removeUser(by, username) {
      const user = await requireUser(username);
      await checkMayLose(by, user, 'remove');
      await store.removeUser(user.username);
      record(by, { event: 'user_changed', username: user.username, action: 'removed' });
    },

    async revokeAppPassword(by, id) {
      const token = await store.findToken(id);
      if (token === undefined || token.kind !== 'app_password') throw new NotFound({ description: 'There is no such app password.' });
      await store.removeToken(token.id);
      record(by, { event: 'token_revoked', username: token.username, credential: token.id, via: 'app_password' });
      return token;
    },
  };
}
