/**
 * POST /api/v1/oauth/revoke (RFC 7009). A token issued to a client is revoked by that client,
 * authenticated (§2.1); a token without a client (app passwords, `auth add` tokens) by whoever
 * presents it, since possession is what it grants. An unknown or already revoked token is a
 * success (§2.2): the answer never tells whether a token existed. A reference id sent with the
 * owner's session token revokes that credential (revoke-by-reference.ts).
 */
import type { Audit } from '../audit/audit.js';
import { InvalidClient, InvalidRequest } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import { digestSecret } from '../credentials/secrets.js';
import type { EndpointHandler } from '../http/router.js';
import { readFormBody } from '../http/read-form-body.js';
import type { Authenticator } from '../credentials/authenticate.js';
import type { TokenRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { isRevocationByReference, revokeByReference } from './revoke-by-reference.js';
import { readClientCredentials } from './authenticate-client.js';
import type { CheckClientSecret } from './limit-client-secret-checks.js';

export function revokeEndpoint(deps: {
  store: Store;
  authenticator: Authenticator;
  bodyLimitBytes: number;
  checkClient: CheckClientSecret;
  audit: Audit;
  trustedProxies: ReadonlySet<string>;
}): EndpointHandler {
  return async ({ req, res }) => {
    const params = await readFormBody(req, deps.bodyLimitBytes);
    const revoked = (record: TokenRecord, via: string) =>
      deps.audit.record({
        event: 'token_revoked',
        outcome: 'success',
        username: record.username,
        credential: record.id,
        client_id: record.clientId,
        address: clientAddress(req, deps.trustedProxies),
        via,
      });
    const byReference = params.get('token');
    if (byReference !== undefined && isRevocationByReference(req, byReference)) {
      const removed = await revokeByReference(req, byReference, deps);
      if (removed) revoked(removed, 'reference id');
      res.writeHead(200, { 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return;
    }
    const credentials = readClientCredentials(req, params);
    const client = credentials ? await deps.checkClient(credentials, req) : undefined;
    const token = params.get('token');
    if (!token) throw new InvalidRequest({ description: 'token is required.' });
    // token_type_hint is only a hint (§2.1): every kind is looked up the same way.
    const record = await deps.store.findTokenByDigest(digestSecret(token));
    if (record?.clientId != null) {
      if (client === undefined) {
        throw new InvalidClient({ description: 'Authenticate as the client this token was issued to.' });
      }
      if (client.clientId !== record.clientId) {
        throw new InvalidRequest({ description: 'This token was not issued to this client.' });
      }
    }
    if (record) {
      await deps.store.removeToken(record.id);
      revoked(record, 'revocation endpoint');
    }
    res.writeHead(200, { 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  };
}
