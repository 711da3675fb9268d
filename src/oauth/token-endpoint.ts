/**
 * POST /api/v1/oauth/token (RFC 6749 §3.2): read the form, authenticate the client if it sent
 * credentials, hand the request to the grant named by `grant_type`, answer with no-store.
 * Every issuance and refusal goes to the audit trail, a refresh token's reuse as its own event.
 */
import type { Audit } from '../audit/audit.js';
import { digestSecret } from '../credentials/secrets.js';
import { GatewayError, InvalidClient, InvalidRequest, RefreshTokenReused, UnsupportedGrantType } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import type { EndpointHandler } from '../http/router.js';
import { readFormBody } from '../http/read-form-body.js';
import { sendJson } from '../http/send-json.js';
import type { Store } from '../store/store.js';
import { identifyClient } from './authenticate-client.js';
import type { Grant } from './grants/grant.js';
import type { CheckClientSecret } from './limit-client-secret-checks.js';

export function tokenEndpoint(deps: {
  store: Store;
  grants: ReadonlyMap<string, Grant>;
  bodyLimitBytes: number;
  checkClient: CheckClientSecret;
  audit: Audit;
  trustedProxies: ReadonlySet<string>;
}): EndpointHandler {
  const { audit } = deps;
  return async ({ req, res }) => {
    const params = await readFormBody(req, deps.bodyLimitBytes);
    const grantType = params.get('grant_type');
    if (!grantType) throw new InvalidRequest({ description: 'grant_type is required.' });
    const grant = deps.grants.get(grantType);
    if (!grant) throw new UnsupportedGrantType({ description: `grant_type ${grantType} is not supported.` });
    const address = clientAddress(req, deps.trustedProxies);
    let clientId: string | undefined;
    try {
      const client = await identifyClient(req, params, deps.store, deps.checkClient);
      clientId = client?.clientId;
      if (grant.requiresClient && client === undefined) {
        throw new InvalidClient({ description: 'Client authentication is required.', headers: { 'www-authenticate': 'Basic realm="photogate", charset="UTF-8"' } });
      }
      const response = await grant.issue({ req, params, client });
      const issued = await deps.store.findTokenByDigest(digestSecret(response.access_token));
      audit.record({
        event: 'token_issued',
        outcome: 'success',
        username: issued?.username ?? null,
        credential: issued?.id ?? null,
        client_id: clientId ?? null,
        address,
        via: grantType,
      });
      sendJson(res, 200, response);
    } catch (error) {
      if (error instanceof RefreshTokenReused) {
        audit.record({ event: 'refresh_token_reuse', outcome: 'failure', username: error.username, credential: error.credentialId, client_id: error.clientId, address, action: 'family revoked' });
      } else if (error instanceof GatewayError) {
        audit.record({ event: 'token_refused', outcome: 'failure', client_id: clientId ?? null, address, via: grantType, reason: error.detail ?? error.code });
      }
      throw error;
    }
  };
}
