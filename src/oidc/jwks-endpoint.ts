/** GET /.well-known/jwks.json (OIDC Discovery §3 `jwks_uri`, RFC 7517): the published public keys. */
import type { EndpointHandler } from '../http/router.js';
import { sendJson } from '../http/send-json.js';
import type { SigningKeys } from './signing-keys.js';

export function jwksEndpoint(keys: SigningKeys): EndpointHandler {
  return async ({ res }) => {
    // A key set is never empty: the first request makes the first key.
    await keys.current();
    sendJson(res, 200, await keys.jwks(), { 'cache-control': 'public, max-age=300' });
  };
}
