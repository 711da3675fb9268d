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
import type { AuthMetrics, CacheMetrics } from '../http/gateway-metrics.js';
import type { Authenticator } from './authenticate.js';
import type { Credential } from './parse-credentials.js';
import type { Principal } from './principal.js';

/** A principal at once (no promise) when the credential is cached, as on nearly every request. */
export type AuthenticateFrom = (credential: Credential, address: string) => Principal | Promise<Principal>;

export interface PasswordCheckMetrics {
  auth: AuthMetrics;
  cache: CacheMetrics;
}

export function limitPasswordChecks(authenticator: Authenticator, limiter: FailureLimiter, audit: Audit, metrics: PasswordCheckMetrics): AuthenticateFrom {
  const { auth, cache } = metrics;
  const counted = (credential: Credential, pending: Promise<Principal>) =>
    pending.then(
      (principal) => {
        auth.success(principal.kind);
        return principal;
      },
      (error: unknown) => {
        if (error instanceof InvalidToken) auth.rejected(credential.type);
        throw error;
      },
    );
  async function checkPassword(credential: Credential & { type: 'basic' }, address: string): Promise<Principal> {
    const account = `user:${credential.username.toLowerCase()}`;
    try {
      limiter.check(address, account);
    } catch (error) {
      if (error instanceof TooManyRequests) auth.lockedOut('basic');
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
    if (hit) {
      cache.hit();
      auth.success(hit.kind);
      return hit;
    }
    cache.miss();
    if (credential.type === 'token') return counted(credential, authenticator.authenticate(credential));
    return counted(credential, checkPassword(credential, address));
  };
}
