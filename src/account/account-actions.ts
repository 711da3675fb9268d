/**
 * What a signed-in person may do to their own account, whatever page or API asks
 * (PRODUCT.md "account API"): list their app passwords, change their password, set up and turn
 * off two-factor sign-in. One implementation: the PhotoPrism-shaped JSON API (account-api.ts)
 * and the HTML account page use it alike.
 *
 * - Changing the password or two-factor needs the current password, checked like any sign-in
 *   (failure limits included); a wrong one is 400 `invalid_grant`, never 401, which would sign
 *   PhotoPrism's web UI out.
 * - A password change keeps the session it was made from and ends the user's other sessions
 *   (the reference server does the same); app passwords stay: they are listed and revoked apart.
 */
import type { Clock } from '../clock.js';
import { nowSeconds } from '../clock.js';
import type { AuthenticateFrom } from '../credentials/limit-password-checks.js';
import type { PasswordHasher } from '../credentials/password-hash.js';
import { InvalidGrant, InvalidRequest, InvalidToken } from '../errors.js';
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
}

export interface AccountActions {
  requireUser(username: string): Promise<UserRecord>;
  listAppPasswords(username: string): Promise<TokenRecord[]>;
  changePassword(username: string, oldPassword: string, newPassword: string, keepTokenId: string | null, address: string): Promise<void>;
  setUpTwoFactor(username: string, password: string, address: string): Promise<PasscodeView>;
  /** Undefined when the code is wrong or was used already. */
  confirmTwoFactor(username: string, code: string): Promise<PasscodeView | undefined>;
  activateTwoFactor(username: string, address: string): Promise<PasscodeView>;
  deactivateTwoFactor(username: string, password: string, address: string): Promise<void>;
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

  return {
    requireUser,

    async listAppPasswords(username) {
      const now = nowSeconds(clock);
      return (await store.listTokensOfUser(username)).filter(
        (token) => token.kind === 'app_password' && (token.expiresAt === null || token.expiresAt > now),
      );
    },

    async changePassword(username, oldPassword, newPassword, keepTokenId, address) {
      if (newPassword.length < minPasswordLength) {
        throw new InvalidRequest({ description: `The new password must be at least ${minPasswordLength} characters.` });
      }
      await checkPassword(username, oldPassword, address);
      await store.updateUser(username, { passwordHash: await deps.hasher.hash(newPassword) }, nowSeconds(clock));
      deps.audit.record({ event: 'password_changed', outcome: 'success', username, address, via: 'account API' });
      const others = (await store.listTokensOfUser(username)).filter((t) => t.kind === 'session' && t.id !== keepTokenId);
      for (const token of others) await store.removeToken(token.id);
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

    async deactivateTwoFactor(username, password, address) {
      await checkPassword(username, password, address);
      await twoFactor.deactivate(await requireUser(username));
      deps.audit.record({ event: 'two_factor_changed', outcome: 'success', username, action: 'disabled', address, via: 'account API' });
    },
  };
}
