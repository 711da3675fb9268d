/**
 * RFC 6749 §6 with rotation (OAuth 2.0 Security BCP §4.14.2): every use returns a new refresh
 * token of the same family and retires the old one. A retired token still works for a short
 * grace window, so an app that refreshes from two tabs at once is not logged out; a retired token
 * presented later was stolen or replayed, and the whole family is revoked.
 */
import { normalizeScope } from '../../access/normalize-scope.js';
import { isScopeSubset, parseScopeGrant } from '../../access/scope-grant.js';
import { type Clock, nowSeconds } from '../../clock.js';
import { digestSecret } from '../../credentials/secrets.js';
import { InvalidGrant, InvalidRequest, InvalidScope, StoreConflict, RefreshTokenReused } from '../../errors.js';
import type { TokenRecord } from '../../store/records.js';
import { findActiveUser } from '../../store/find-active-user.js';
import type { Store } from '../../store/store.js';
import { signInFieldsOf } from '../../credentials/issue-credential.js';
import { issueTokenPair } from '../issue-token-pair.js';
import type { TokenLifetimes } from './authorization-code.js';
import type { Grant } from './grant.js';

const invalid = (detail: string) => new InvalidGrant({ description: 'The refresh token is invalid, expired or revoked.', detail });

export function refreshTokenGrant(store: Store, clock: Clock, lifetimes: TokenLifetimes & { graceSeconds: number }): Grant {
  /** Retires the token; resolves when this exchange may proceed, throws (after revoking) when not. */
  async function retire(token: TokenRecord, now: number): Promise<void> {
    let usedAt = token.usedAt;
    if (usedAt === null) {
      try {
        await store.markTokenUsed(token.id, now);
        return;
      } catch (error) {
        if (!(error instanceof StoreConflict)) throw error;
        usedAt = (await store.findToken(token.id))?.usedAt ?? now;
      }
    }
    if (now - usedAt <= lifetimes.graceSeconds) return;
    if (token.familyId !== null) await store.removeTokenFamily(token.familyId);
    throw new RefreshTokenReused(token, { description: 'The refresh token is invalid, expired or revoked.', detail: 'refresh token reused after rotation: its family was revoked' });
  }

  return {
    type: 'refresh_token',
    requiresClient: true,
    async issue({ client, params }) {
      const secret = params.get('refresh_token');
      if (!secret) throw new InvalidRequest({ description: 'refresh_token is required.' });
      const token = await store.findTokenByDigest(digestSecret(secret));
      const now = nowSeconds(clock);
      if (token === undefined || token.kind !== 'refresh_token') throw invalid('unknown refresh token');
      if (token.clientId !== client?.clientId) throw invalid('refresh token of another client');
      if (token.expiresAt !== null && token.expiresAt <= now) throw invalid('refresh token expired');
      if (token.username === null || (await findActiveUser(store, token.username)) === undefined) throw invalid('user removed or disabled');
      // §6: a narrower scope may be asked for, never a wider one.
      const requested = params.get('scope');
      const scope = requested === undefined ? token.scope : normalizeScope(requested);
      if (scope === '' || !isScopeSubset(parseScopeGrant(scope), parseScopeGrant(token.scope))) {
        throw new InvalidScope({ description: 'The requested scope exceeds the original grant.' });
      }
      await retire(token, now);
      return issueTokenPair(store, clock, {
        clientId: client.clientId,
        clientName: client.name,
        username: token.username,
        scope,
        familyId: token.familyId ?? token.id,
        grantType: 'refresh_token',
        signIn: signInFieldsOf(token),
        ...lifetimes,
      });
    },
  };
}
