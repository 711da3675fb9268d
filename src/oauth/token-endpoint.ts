/**
 * POST /api/v1/oauth/token (RFC 6749 §3.2): read the form, authenticate the client if it sent
 * credentials, hand the request to the grant named by `grant_type`, answer with no-store.
 */
import { InvalidClient, InvalidRequest, UnsupportedGrantType } from '../errors.js';
import type { EndpointHandler } from '../http/router.js';
import { readFormBody } from '../http/read-form-body.js';
import { sendJson } from '../http/send-json.js';
import type { Store } from '../store/store.js';
import { identifyClient } from './authenticate-client.js';
import type { Grant } from './grants/grant.js';
import type { CheckClientSecret } from './limit-client-secret-checks.js';

export function tokenEndpoint(deps: { store: Store; grants: ReadonlyMap<string, Grant>; bodyLimitBytes: number; checkClient: CheckClientSecret }): EndpointHandler {
  return async ({ req, res }) => {
    const params = await readFormBody(req, deps.bodyLimitBytes);
    const grantType = params.get('grant_type');
    if (!grantType) throw new InvalidRequest({ description: 'grant_type is required.' });
    const grant = deps.grants.get(grantType);
    if (!grant) throw new UnsupportedGrantType({ description: `grant_type ${grantType} is not supported.` });
    const client = await identifyClient(req, params, deps.store, deps.checkClient);
    if (grant.requiresClient && client === undefined) {
      throw new InvalidClient({ description: 'Client authentication is required.', headers: { 'www-authenticate': 'Basic realm="photogate", charset="UTF-8"' } });
    }
    sendJson(res, 200, await grant.issue({ req, params, client }));
  };
}
