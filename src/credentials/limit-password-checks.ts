/**
 * Password and app-password checks behind the failure limiter (PRODUCT.md "rate limits"): a
 * credential validated recently is answered from the cache and never limited, so someone else's
 * failures cannot lock out a client that holds a valid credential; any other Basic credential
 * is refused with 429 before argon2 runs once its address or account is out of attempts, and a
 * failure takes an attempt from both. Bearer tokens are 192-bit random values: guessing them is
 * no threat, so they are not counted.
 */
import type { FailureLimiter } from '../access/failure-limiter.js';
import type { Audit } from '../audit/audit.js';
import { InvalidToken, TooManyRequests } from '../errors.js';
import type { Authenticator } from './authenticate.js';
import type { Credential } from './parse-credentials.js';
import type { Principal } from './principal.js';

/** A principal at once (no promise) when the credential is cached, as on nearly every request. */
export type AuthenticateFrom = (credential: Credential, address: string) => Principal | Promise<Principal>;

export function limitPasswordChecks(authenticator: Authenticator, limiter: FailureLimiter, audit: Audit): AuthenticateFrom {
  async function checkPassword(credential: Credential & { type: 'basic' }, address: string): Promise<Principal> {
    const account = `user:${credential.username.toLowerCase()}`;
    try {
      limiter.check(address, account);
    } catch (error) {
      if (error instanceof TooManyRequests) audit.record({ event: 'lockout', outcome: 'failure', username: credential.username, address, reason: 'too many failed password checks' });
      throw error;
    }
    try {
      return await authenticator.authenticate(credential);
    } catch (error) {
      if (error instanceof InvalidToken) limiter.recordFailure(address, account);
      throw error;
    }
  }
  return (credential, address) => {
    const hit = authenticator.cached(credential);
    if (hit) return hit;
    if (credential.type === 'token') return authenticator.authenticate(credential);
    return checkPassword(credential, address);
  };
}
