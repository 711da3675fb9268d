/**
 * `grant_type=password` as the reference server means it: a logged-in user mints an app password
 * (PRODUCT.md "password grant", reference-photoprism.md §1.3 step 6). Not RFC 6749 §4.3's
 * exchange of a password for a token by a client: no client takes part, and the answer's
 * `access_token` is the new app password, `expires_in` absent when it never expires.
 *
 * The caller proves who they are with a session token (from POST /api/v1/session) in
 * `X-Auth-Token` or `Authorization: Bearer`, and confirms with the user's real password:
 * - no session token, or a token that is not a session → 401 `invalid_client`: the session stands
 *   in for the authentication of the caller, and §5.2 names that failure `invalid_client` (401,
 *   with a challenge in the scheme the caller used, here Bearer);
 * - a wrong password, another user's name, or an app password as the password → 400
 *   `invalid_grant`: §5.2's code for invalid resource owner credentials. App passwords cannot
 *   mint app passwords (reference §8.12).
 * Pinned by test/integration/oauth-password-grant.test.ts.
 */
import { isValidScopeToken, normalizeScope } from '../../access/normalize-scope.js';
import type { Clock } from '../../clock.js';
import type { Authenticator } from '../../credentials/authenticate.js';
import { issueCredential } from '../../credentials/issue-credential.js';
import type { Principal } from '../../credentials/principal.js';
import { requireTokenPrincipal } from '../../credentials/require-token-principal.js';
import { GatewayError, InvalidClient, InvalidGrant, InvalidRequest, InvalidScope, UnauthorizedClient } from '../../errors.js';
import { clientAddress } from '../../http/client-address.js';
import type { FormParams } from '../../http/read-form-body.js';
import type { Store } from '../../store/store.js';
import type { SignIn } from '../sign-in.js';
import type { Grant, GrantRequest } from './grant.js';

export interface PasswordGrantDeps {
  store: Store;
  clock: Clock;
  authenticator: Authenticator;
  /** Password checks behind the failure limiter (oauth/sign-in.ts). */
  signIn: SignIn;
  trustedProxies: ReadonlySet<string>;
}

/** A hundred years, as for `auth add -e`: longer is a typo. */
const maxExpiresInSeconds = 3_155_760_000;
const sessionChallenge = { 'www-authenticate': 'Bearer realm="photogate", error="invalid_client"' };

function requireParam(params: FormParams, name: string): string {
  const value = params.get(name)?.trim() ?? '';
  if (value === '') throw new InvalidRequest({ description: `${name} is required.` });
  return value;
}

function requireScope(params: FormParams): string {
  const scope = normalizeScope(requireParam(params, 'scope'));
  if (!scope.split(' ').every(isValidScopeToken)) throw new InvalidScope({ description: 'The scope is malformed.' });
  return scope;
}

/** Seconds; 0 or absent = never (reference §1.3: the UI's "Never" sends 0). */
function readExpiresIn(params: FormParams): number | null {
  const raw = params.get('expires_in')?.trim() ?? '0';
  const seconds = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds <= maxExpiresInSeconds)) {
    throw new InvalidRequest({ description: `expires_in must be 0 (never) to ${maxExpiresInSeconds} seconds.` });
  }
  return seconds === 0 ? null : seconds;
}

async function requireSession(req: GrantRequest['req'], authenticator: Authenticator): Promise<Principal> {
  let principal: Principal;
  try {
    principal = await requireTokenPrincipal(req.headersDistinct, authenticator);
  } catch (error) {
    if (error instanceof GatewayError && error.status === 401) {
      throw new InvalidClient({ description: 'Send a user session token.', detail: error.detail, headers: sessionChallenge });
    }
    throw error;
  }
  if (principal.kind !== 'session' || principal.username === null) {
    throw new InvalidClient({ description: 'Send a user session token.', detail: `a ${principal.kind}`, headers: sessionChallenge });
  }
  return principal;
}

export function passwordGrant(deps: PasswordGrantDeps): Grant {
  return {
    type: 'password',
    requiresClient: false,
    async issue({ req, params, client }) {
      if (client !== undefined) {
        throw new UnauthorizedClient({ description: 'App passwords are minted for a user session, not for a client.' });
      }
      const session = await requireSession(req, deps.authenticator);
      const username = requireParam(params, 'username');
      const password = params.get('password') ?? '';
      if (password === '') throw new InvalidRequest({ description: 'password is required.' });
      const name = requireParam(params, 'client_name');
      const scope = requireScope(params);
      const ttlSeconds = readExpiresIn(params);
      if (username.toLowerCase() !== session.username) {
        throw new InvalidGrant({ description: 'The username or password is wrong.', detail: 'not the session\'s user' });
      }
      const confirmed = await deps.signIn(clientAddress(req, deps.trustedProxies), session.username, password, params.get('code'));
      if (confirmed?.kind !== 'user_password') {
        throw new InvalidGrant({
          description: 'The username or password is wrong.',
          detail: confirmed === undefined ? 'wrong password' : 'an app password cannot mint app passwords',
        });
      }
      const { secret } = await issueCredential(deps.store, deps.clock, {
        kind: 'app_password',
        name,
        username: session.username,
        clientId: null,
        scope,
        grantType: 'password',
        ttlSeconds,
      });
      return ttlSeconds === null
        ? { access_token: secret, token_type: 'Bearer', scope }
        : { access_token: secret, token_type: 'Bearer', expires_in: ttlSeconds, scope };
    },
  };
}
