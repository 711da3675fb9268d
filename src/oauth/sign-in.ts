/**
 * Signing a person in on photogate's own pages (authorize, device verification): username and
 * password (or an app password of that user), through the same authenticator as Basic, behind
 * the failure limiter (credentials/limit-password-checks.ts). A failure says nothing about which
 * part was wrong.
 */
import type { Audit } from '../audit/audit.js';
import type { AuthenticateFrom } from '../credentials/limit-password-checks.js';
import type { Principal } from '../credentials/principal.js';
import { InvalidToken } from '../errors.js';

export const signInFailedText = 'The username or password is not right.';

export type SignIn = (address: string, username: string, password: string) => Promise<Principal | undefined>;

export function createSignIn(authenticate: AuthenticateFrom, audit: Audit): SignIn {
  return async (address, username, password) => {
    if (username === '' || password === '') return undefined;
    const failed = (reason: string) => audit.record({ event: 'sign_in', outcome: 'failure', username, address, reason });
    try {
      const principal = await authenticate({ type: 'basic', username, password }, address);
      if (principal.username === null) {
        failed('not a user credential');
        return undefined;
      }
      audit.record({ event: 'sign_in', outcome: 'success', username: principal.username, credential: principal.credentialId, address, via: principal.kind });
      return principal;
    } catch (error) {
      if (error instanceof InvalidToken) {
        failed(error.detail ?? 'wrong username or password');
        return undefined;
      }
      throw error;
    }
  };
}
