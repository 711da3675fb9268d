/**
 * Signing a person in with a password, wherever photogate accepts one (session API, password
 * grant, authorize and device pages): username and password (or an app password of that user),
 * through the same authenticator as Basic, behind the failure limiter
 * (credentials/limit-password-checks.ts). A failure says nothing about which part was wrong.
 * Every outcome goes to the audit trail (`sign_in`).
 *
 * Two-factor (PRODUCT.md "two-factor"): a user with it on who sends their own password must also
 * send a code; without one the sign-in throws PasscodeRequired (401 `passcode_required`,
 * `code: 32`), with a wrong one it fails like a wrong password, with one used already it throws
 * PasscodeUsed (400: see errors.ts); both count in the same limits. A recovery code takes the
 * code's place once; its use is recorded (`two_factor_changed`, action `recovery code used`), as it
 * may mean a lost phone or a stolen code. App passwords never ask for
 * a code. The principal returned says how the person signed in (`amr`, RFC 8176), to be
 * recorded on what is issued from it and in ID tokens.
 */
import type { FailureLimiter } from '../access/failure-limiter.js';
import type { Audit } from '../audit/audit.js';
import type { AuthenticateFrom } from '../credentials/limit-password-checks.js';
import type { Principal } from '../credentials/principal.js';
import { InvalidToken, PasscodeRequired, PasscodeUsed } from '../errors.js';
import type { Store } from '../store/store.js';
import type { TwoFactor } from '../two-factor/two-factor.js';

export const signInFailedText = 'The username or password is not right.';
export const passcodeRequiredText = 'Two-factor sign-in is on: enter the code from your authenticator app too.';

export type SignIn = (address: string, username: string, password: string, code?: string) => Promise<Principal | undefined>;

export interface SignInDeps {
  store: Store;
  twoFactor: TwoFactor;
  limiter: FailureLimiter;
  audit: Audit;
}

export function createSignIn(authenticate: AuthenticateFrom, deps: SignInDeps): SignIn {
  async function secondFactor(principal: Principal, address: string, code: string | undefined, failed: (reason: string) => void): Promise<Principal | undefined> {
    if ((code ?? '').trim() === '') throw new PasscodeRequired();
    const account = (principal.username as string).toLowerCase();
    deps.limiter.check(address, account);
    const user = await deps.store.findUser(account);
    const check = user === undefined ? 'wrong' : await deps.twoFactor.verify(user, code as string);
    if (check === 'recovery') deps.audit.record({ event: 'two_factor_changed', outcome: 'success', username: account, action: 'recovery code used', address });
    // A recovery code is a one-time password too (RFC 8176 `otp`).
    if (check === 'ok' || check === 'recovery') return { ...principal, amr: ['pwd', 'otp', 'mfa'] };
    deps.limiter.recordFailure(address, account);
    failed(check === 'used' ? 'two-factor code used' : 'wrong two-factor code');
    if (check === 'used') throw new PasscodeUsed();
    return undefined;
  }

  return async (address, username, password, code) => {
    if (username === '' || password === '') return undefined;
    const failed = (reason: string) => deps.audit.record({ event: 'sign_in', outcome: 'failure', username, address, reason });
    let principal: Principal;
    try {
      principal = await authenticate({ type: 'basic', username, password }, address);
    } catch (error) {
      if (error instanceof InvalidToken) {
        failed(error.detail ?? 'wrong username or password');
        return undefined;
      }
      throw error;
    }
    if (principal.username === null) {
      failed('not a user credential');
      return undefined;
    }
    const signedIn =
      principal.kind === 'user_password' && principal.twoFactor ? await secondFactor(principal, address, code, failed) : { ...principal, amr: ['pwd'] };
    if (signedIn !== undefined) {
      deps.audit.record({ event: 'sign_in', outcome: 'success', username: principal.username, credential: principal.credentialId, address, via: principal.kind });
    }
    return signedIn;
  };
}
