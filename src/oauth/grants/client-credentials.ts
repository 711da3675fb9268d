/**
 * RFC 6749 §4.4: a confidential client gets a token for itself. The token's scope is the
 * client's, or the narrower one it asks for (a wider one is `invalid_scope`, §5.2); its lifetime
 * and the number of tokens kept (newest N) are the client's settings.
 */
import { normalizeScope } from '../../access/normalize-scope.js';
import { isScopeSubset, parseScopeGrant } from '../../access/scope-grant.js';
import type { Clock } from '../../clock.js';
import { InvalidScope, UnauthorizedClient } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { issueCredential } from '../../credentials/issue-credential.js';
import type { Grant } from './grant.js';

export function clientCredentialsGrant(store: Store, clock: Clock): Grant {
  return {
    type: 'client_credentials',
    requiresClient: true,
    async issue({ client, params }) {
      if (client === undefined || client.secretDigest === null) {
        throw new UnauthorizedClient({ description: 'Only confidential clients may use client_credentials.' });
      }
      const requested = params.get('scope');
      const scope = requested === undefined ? client.scope : normalizeScope(requested);
      if (scope === '' || !isScopeSubset(parseScopeGrant(scope), parseScopeGrant(client.scope))) {
        throw new InvalidScope({ description: 'The requested scope exceeds the client\'s scope.' });
      }
      const { secret } = await issueCredential(
        store,
        clock,
        {
          kind: 'access_token',
          name: client.name,
          username: client.username,
          clientId: client.clientId,
          scope,
          grantType: 'client_credentials',
          ttlSeconds: client.tokenTtlSeconds,
        },
        { tokenLimitForClient: client.tokenLimit },
      );
      return { access_token: secret, token_type: 'Bearer', expires_in: client.tokenTtlSeconds, scope };
    },
  };
}
