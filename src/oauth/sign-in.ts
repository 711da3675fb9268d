/**
 * Signing a person in on photogate's own pages (authorize, device verification): username and
 * password (or an app password of that user), through the same authenticator as Basic, behind
 * the failure limiter (credentials/limit-password-checks.ts). A failure says nothing about which
 * part was wrong.
 */
import type { AuthenticateFrom } from '../credentials/limit-password-checks.js';
import type { Principal } from '../credentials/principal.js';
import { InvalidToken } from '../errors.js';

export const signInFailedText = 'The username or password is not right.';

export type SignIn = (address: string, username: string, password: string) => Promise<Principal | undefined>;

export function createSignIn(authenticate: AuthenticateFrom): SignIn {
  return async (address, username, password) => {
    if (username === '' || password === '') return undefined;
    try {
      const principal = await authenticate({ type: 'basic', username, password }, address);
      return principal.username === null ? undefined : principal;
    } catch (error) {
      if (error instanceof InvalidToken) return undefined;
      throw error;
    }
  };
}
