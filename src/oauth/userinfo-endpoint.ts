/**
 * GET/POST /api/v1/oauth/userinfo (OIDC Core §5.3): claims about the user a token speaks for —
 * a session, an app password, or an access token issued for a user.
 *
 * - `sub` is the username: photogate has no other user id, and usernames cannot be changed
 *   (`users mod` has no rename). Unlike §5.7's ideal it is reused if an account is removed and
 *   added again under the same name. `name` is the username too: accounts have no display name.
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

export function userinfoEndpoint(authenticator: Authenticator): EndpointHandler {
  return async ({ req, res }) => {
    const principal = await requireTokenPrincipal(req.headersDistinct, authenticator);
    if (principal.username === null) {
      throw withBearerChallenge(new InvalidToken({ description: 'The token does not belong to a user.', detail: 'no user' }));
    }
    sendJson(res, 200, userinfoClaims(principal.username, principal.role, principal.scope));
  };
}
