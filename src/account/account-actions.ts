/**
 * What a signed-in person may do to their own account, whatever page or API asks
 * (PRODUCT.md "account API"): list their app passwords, change their password, set up and turn
 * off two-factor sign-in. One implementation: the PhotoPrism-shaped JSON API (account-api.ts)
 * and the HTML account page use it alike.
 *
 * - Changing the password or two-factor needs the current password, checked like any sign-in
 *   (failure limits included); a wrong one is 400 `invalid_grant`, never 401, which would sign
 *   PhotoPrism's web UI out.
 * - A password change keeps the session it was made from and always ends the user's other
 *   sessions (browser and API sessions: the reference server does the same, and PhotoPrism's UI
 *   relies on its own session staying); app passwords, access tokens issued by the CLI and the
 *   tokens of OAuth clients stay: they are listed and revoked apart. With `revokeRefreshTokens`
 *   (the page's "sign out everywhere" option) every refresh token goes too, with the access
 *   tokens issued beside it (its family): connected apps must sign in again.
 * - Turning two-factor off and new recovery codes need the password and a code (from the
 *   authenticator, or a recovery code, which is then used up); wrong codes count in the same
 *   limits as at sign-in. PhotoPrism's deactivate step sends only the password (its UI has no
 *   code field there): the JSON API passes no code, and none is asked.
 */
import type { FailureLimiter } from '../access/failure-limiter.js';
import type { Clock } from '../clock.js';
import { nowSeconds } from '../clock.js';
import type { AuthenticateFrom } from '../credentials/limit-password-checks.js';
import type { PasswordHasher } from '../credentials/password-hash.js';
import type { TokenUsage } from '../credentials/token-usage.js';
import { InvalidGrant, InvalidRequest, InvalidToken, PasscodeUsed } from '../errors.js';
import type { TokenRecord, UserRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { PasscodeView, TwoFactor } from '../two-factor/two-factor.js';
import type { Audit } from '../audit/audit.js';

export const minPasswordLength = 8;

export interface AccountActionsDeps {
  store: Store;
  clock: Clock;
  hasher: PasswordHasher;
  /** Password checks behind the failure limiter. */
  authenticate: AuthenticateFrom;
  twoFactor: TwoFactor;
  /** The audit trail: password and two-factor changes (audit/audit.ts). */
  audit: Audit;
  /** Counts wrong two-factor codes, as sign-in does (oauth/sign-in.ts). */
  limiter: FailureLimiter;
  /** Last uses this process has not written yet, merged into what is listed. */
  usage: TokenUsage;
}

/** What a password change ended besides the password. */
export interface PasswordChanged {
  sessionsEnded: number;
  refreshTokensRevoked: number;
}

export interface AccountActions {
  requireUser(username: string): Promise<UserRecord>;
  /** The user's unexpired app passwords, each with its last use as this process knows it. */
  listAppPasswords(username: string): Promise<TokenRecord[]>;
  changePassword(
    username: string, oldPassword: string, newPassword: string, keepTokenId: string | null, address: string, revokeRefreshTokens?: boolean,
  ): Promise<PasswordChanged>;
  setUpTwoFactor(username: string, password: string, address: string): Promise<PasscodeView>;
  /** Undefined when the code is wrong or was used already. */
  confirmTwoFactor(username: string, code: string): Promise<PasscodeView | undefined>;
  activateTwoFactor(username: string, address: string): Promise<PasscodeView>;
  /** `code` undefined: the front end asks for none (PhotoPrism's UI); a string is checked, '' refused. */
  deactivateTwoFactor(username: string, password: string, address: string, code?: string): Promise<void>;
  /** A new set of recovery codes, shown once; needs the password and a code. */
  regenerateRecoveryCodes(username: string, password: string, code: string, address: string): Promise<string[]>;
}

export function createAccountActions(deps: AccountActionsDeps): AccountActions {
  const { store, clock, twoFactor } = deps;

  async function requireUser(username: string): Promise<UserRecord> {
    const user = await store.findUser(username);
    if (user === undefined) throw new InvalidToken({ description: 'The credential is not valid.', detail: 'user removed' });
    return user;
  }

  async function checkPassword(username: string, password: string, address: string): Promise<void> {
    if (password === '') throw new InvalidRequest({ description: 'password is required.' });
    let ok = false;
    try {
      ok = (await deps.authenticate({ type: 'basic', username, password }, address)).kind === 'user_password';
    } catch (error) {
      if (!(error instanceof InvalidToken)) throw error;
    }
    if (!ok) throw new InvalidGrant({ description: 'The password is not right.', detail: 'wrong current password' });
  }

  /** A code from the authenticator or a recovery code (used up), behind the failure limits. */
  async function checkCode(user: UserRecord, code: string, address: string): Promise<void> {
    if (code.trim() === '') throw new InvalidRequest({ description: 'Enter a code from your authenticator app, or a recovery code.' });
    deps.limiter.check(address, user.username);
    const check = await twoFactor.verify(user, code);
    if (check === 'recovery') deps.audit.record({ event: 'two_factor_changed', outcome: 'success', username: user.username, action: 'recovery code used', address });
    if (check === 'ok' || check === 'recovery') return;
    deps.limiter.recordFailure(address, user.username);
    if (check === 'used') throw new PasscodeUsed();
    throw new InvalidGrant({ description: 'The code is not right.', detail: 'wrong two-factor code' });
  }

  return {
    requireUser,

    async listAppPasswords(username) {
      const now = nowSeconds(clock);
      return (await store.listTokensOfUser(username))
        .filter((token) => token.kind === 'app_password' && (token.expiresAt === null || token.expiresAt > now))
        .map((token) => deps.usage.withPending(token));
    },

    async changePassword(username, oldPassword, newPassword, keepTokenId, address, revokeRefreshTokens = false) {
      if (newPassword.length < minPasswordLength) {
        throw new InvalidRequest({ description: `The new password must be at least ${minPasswordLength} characters.` });
      }
      await checkPassword(username, oldPassword, address);
      await store.updateUser(username, { passwordHash: await deps.hasher.hash(newPassword) }, nowSeconds(clock));
      deps.audit.record({ event: 'password_changed', outcome: 'success', username, address, via: 'account API', ...(revokeRefreshTokens && { action: 'signed out everywhere' }) });
      const theirs = (await store.listTokensOfUser(username)).filter((t) => t.id !== keepTokenId);
      const sessions = theirs.filter((t) => t.kind === 'session');
      for (const token of sessions) await store.removeToken(token.id);
      const refreshTokens = revokeRefreshTokens ? theirs.filter((t) => t.kind === 'refresh_token') : [];
      for (const token of refreshTokens) {
        if (token.familyId === null) await store.removeToken(token.id);
        else await store.removeTokenFamily(token.familyId);
      }
      return { sessionsEnded: sessions.length, refreshTokensRevoked: refreshTokens.length };
    },

    async setUpTwoFactor(username, password, address) {
      await checkPassword(username, password, address);
      return twoFactor.setUp(await requireUser(username));
    },

    async confirmTwoFactor(username, code) {
      return twoFactor.confirm(await requireUser(username), code);
    },

    async activateTwoFactor(username, address) {
      const view = await twoFactor.activate(await requireUser(username));
      deps.audit.record({ event: 'two_factor_changed', outcome: 'success', username, action: 'enabled', address, via: 'account API' });
      return view;
    },

    async deactivateTwoFactor(username, password, address, code) {
      await checkPassword(username, password, address);
      const user = await requireUser(username);
      if (code !== undefined && twoFactor.isOn(user)) await checkCode(user, code, address);
      await twoFactor.deactivate(user);
      deps.audit.record({ event: 'two_factor_changed', outcome: 'success', username, action: 'disabled', address, via: 'account API' });
    },

    async regenerateRecoveryCodes(username, password, code, address) {
      await checkPassword(username, password, address);
      const user = await requireUser(username);
      if (!twoFactor.isOn(user)) throw new InvalidRequest({ description: 'Two-factor sign-in is not on.' });
      await checkCode(user, code, address);
      const codes = await twoFactor.regenerateRecoveryCodes(await requireUser(username));
      deps.audit.record({ event: 'two_factor_changed', outcome: 'success', username, action: 'recovery codes replaced', address, via: 'account API' });
      return codes;
    },
  };
}
