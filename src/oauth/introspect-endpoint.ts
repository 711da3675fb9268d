/**
 * POST /api/v1/oauth/introspect (RFC 7662) for authenticated clients (§2.1: the endpoint MUST
 * require authorization; client_secret_basic or client_secret_post, else 401 `invalid_client`).
 *
 * A client sees the tokens issued to it; an admin-role client sees every access token, app
 * password and session too (PRODUCT.md "introspection"). Refresh tokens are shown to their own
 * client only, even to an admin: they are that client's secret (RFC 6749 §10.4). Anything else —
 * unknown, expired, revoked, a rotated refresh token past its grace window, a token of a removed
 * user or disabled client, or not the caller's — is `{"active": false}` and nothing more
 * (§2.2), so the answer never tells which. `token_type_hint` is only a hint (§2.1): every kind
 * is looked up the same way. Pinned by test/integration/oauth-userinfo-introspect.test.ts.
 */
import { type Clock, nowSeconds } from '../clock.js';
import { digestSecret } from '../credentials/secrets.js';
import { InvalidClient, InvalidRequest } from '../errors.js';
import { readFormBody } from '../http/read-form-body.js';
import type { EndpointHandler } from '../http/router.js';
import { sendJson } from '../http/send-json.js';
import type { ClientRecord, TokenRecord } from '../store/records.js';
import { findActiveUser } from '../store/find-active-user.js';
import { findFresh } from '../store/find-fresh.js';
import type { Store } from '../store/store.js';
import { readClientCredentials } from './authenticate-client.js';
import type { CheckClientSecret } from './limit-client-secret-checks.js';

export interface IntrospectEndpointDeps {
  store: Store;
  clock: Clock;
  /** How long a rotated refresh token still works (config `oauth.refreshGraceSeconds`). */
  refreshGraceSeconds: number;
  bodyLimitBytes: number;
  /** Client authentication behind the failure limiter. */
  checkClient: CheckClientSecret;
}

export function introspectEndpoint(deps: IntrospectEndpointDeps): EndpointHandler {
  const { store, clock } = deps;

  function visibleTo(token: TokenRecord, client: ClientRecord): boolean {
    if (token.clientId === client.clientId) return true;
    return client.role === 'admin' && token.kind !== 'refresh_token';
  }

  async function isActive(token: TokenRecord, now: number): Promise<boolean> {
    if (token.expiresAt !== null && token.expiresAt <= now) return false;
    if (token.kind === 'refresh_token' && token.usedAt !== null && now - token.usedAt > deps.refreshGraceSeconds) return false;
    if (token.username !== null && (await findActiveUser(store, token.username)) === undefined) return false;
    if (token.clientId === null) return true;
    return (await store.findClient(token.clientId))?.enabled === true;
  }

  return async ({ req, res }) => {
    const params = await readFormBody(req, deps.bodyLimitBytes);
    const credentials = readClientCredentials(req, params);
    if (credentials === undefined) {
      throw new InvalidClient({
        description: 'Client authentication is required.',
        headers: { 'www-authenticate': 'Basic realm="photogate", charset="UTF-8"' },
      });
    }
    const client = await deps.checkClient(credentials, req);
    const secret = params.get('token');
    if (!secret) throw new InvalidRequest({ description: 'token is required.' });
    const token = await findFresh(store, () => store.findTokenByDigest(digestSecret(secret)));
    const now = nowSeconds(clock);
    if (token === undefined || !visibleTo(token, client) || !(await isActive(token, now))) {
      sendJson(res, 200, { active: false });
      return;
    }
    sendJson(res, 200, {
      active: true,
      scope: token.scope,
      client_id: token.clientId ?? undefined,
      username: token.username ?? undefined,
      token_type: token.kind === 'refresh_token' ? 'refresh_token' : 'Bearer',
      exp: token.expiresAt ?? undefined,
      iat: token.createdAt,
      sub: token.username ?? undefined,
    });
  };
}
