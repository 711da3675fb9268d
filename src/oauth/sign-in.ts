/**
 * Signing a person in on photogate's own pages (authorize, device verification): username and
 * password (or an app password of that user), through the same authenticator as Basic, behind
 * the failure limiter. A failure says nothing about which part was wrong.
 */
import type { Authenticator } from '../credentials/authenticate.js';
import type { Principal } from '../credentials/principal.js';
import { InvalidToken } from '../errors.js';
import type { FailureLimiter } from '../access/failure-limiter.js';

export const signInFailedText = 'The username or password is not right.';

export type SignIn = (address: string, username: string, password: string) => Promise<Principal | undefined>;

export function createSignIn(authenticator: Authenticator, limiter: FailureLimiter): SignIn {
  return async (address, username, password) => {
    const account = username.toLowerCase();
    limiter.check(address, account);
    if (username === '' || password === '') return undefined;
    try {
      const principal = await authenticator.authenticate({ type: 'basic', username: account, password });
      return principal.username === null ? undefined : principal;
    } catch (error) {
      if (!(error instanceof InvalidToken)) throw error;
      limiter.recordFailure(address, account);
      return undefined;
    }
  };
}
