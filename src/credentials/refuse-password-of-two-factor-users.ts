/**
 * HTTP Basic with a user's own password on proxied requests and metrics: refused for a user with
 * two-factor sign-in on (PRODUCT.md "two-factor"), since Basic has no place for a code; they use
 * app passwords, which never ask for one. The principal is still cached as verified, so the
 * refusal costs no argon2 run and no attempt from the failure limits. Sign-in endpoints use the
 * unwrapped check and ask for the code (oauth/sign-in.ts).
 */
import { InvalidToken } from '../errors.js';
import type { AuthenticateFrom } from './limit-password-checks.js';
import type { Principal } from './principal.js';

function refuse(principal: Principal): Principal {
  if (principal.kind === 'user_password' && principal.twoFactor) {
    throw new InvalidToken({ description: 'Two-factor sign-in is on for this user: use an app password.', detail: 'password of a two-factor user' });
  }
  return principal;
}

export function refusePasswordOfTwoFactorUsers(authenticate: AuthenticateFrom): AuthenticateFrom {
  return (credential, address) => {
    const principal = authenticate(credential, address);
    return principal instanceof Promise ? principal.then(refuse) : refuse(principal);
  };
}
