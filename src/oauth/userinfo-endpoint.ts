/**
 * GET/POST /api/v1/oauth/userinfo (OIDC Core §5.3): claims about the user a token speaks for —
 * a session, an app password, or an access token issued for a user.
 *
 * - For a token whose scope holds `openid` the answer is OIDC Core §5.3's: `sub` is the user's
 *   stable id (the `sub` of its ID tokens, oidc/subject.ts), and `profile` and `email` add their
 *   claims (oidc/user-claims.ts). Any other user token keeps photogate's older answer: `sub` is
 *   the username, with the profile claims and the role.
 * - Errors follow RFC 6750 §3 as OIDC Core §5.3.3 asks: no token → 401 with a bare Bearer
 *   challenge; a bad, expired or revoked token → 401 `invalid_token`. A valid token without a user
 *   (client tokens, `auth add` tokens without a username) → 401 `invalid_token` too, not 403
 *   `insufficient_scope`: no scope could make it speak for a user, and RFC 6750 §3.1 reserves
 *   `insufficient_scope` for tokens that a wider scope would fix.
 * Pinned by test/integration/oauth-userinfo-introspect.test.ts.
 */
import type { Authenticator } from '../credentials/authenticate.js';
import { requireTokenPrincipal, withBearerChallenge } from '../credentials/require-token-principal.js';
import { InvalidToken } from '../errors.js';
import type { EndpointHandler } from '../http/router.js';
import { sendJson } from '../http/send-json.js';
import { hasOpenidScope, userClaims } from '../oidc/user-claims.js';
import type { Store } from '../store/store.js';

/**
 * The claims depend on the scope the way OIDC Core §5.4 describes when the client asked for
 * OpenID scopes: with `openid` in the scope, `sub` always, and the profile claims only with
 * `profile`. Every other user token (photogate's own resource scopes) gets all four claims
 * (PRODUCT.md "userinfo").
 */
export function userinfoClaims(username: string, role: string, scope: string): Record<string, string> {
  const scopes = new Set(scope.split(' '));
  const profile = !scopes.has('openid') || scopes.has('profile') || scopes.has('*');
  return profile ? { sub: username, preferred_username: username, name: username, role } : { sub: username };
}

export function userinfoEndpoint(authenticator: Authenticator, store: Store): EndpointHandler {
  return async ({ req, res }) => {
    const principal = await requireTokenPrincipal(req.headersDistinct, authenticator);
    const user = principal.username === null ? undefined : await store.findUser(principal.username);
    if (principal.username === null || user === undefined) {
      throw withBearerChallenge(new InvalidToken({ description: 'The token does not belong to a user.', detail: 'no user' }));
    }
    if (hasOpenidScope(principal.scope)) {
      sendJson(res, 200, userClaims(user, principal.scope));
      return;
    }
    sendJson(res, 200, userinfoClaims(principal.username, principal.role, principal.scope));
  };
}
