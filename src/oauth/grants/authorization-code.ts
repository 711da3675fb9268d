/**
 * RFC 6749 §4.1.3: a code becomes tokens once. It must come from the client it was issued to,
 * with the same redirect_uri, and with the PKCE verifier of its challenge (RFC 7636 §4.6).
 * A code presented twice is stolen or replayed: everything issued from it is revoked (§4.1.2).
 */
import { type Clock, nowSeconds } from '../../clock.js';
import { digestSecret } from '../../credentials/secrets.js';
import { InvalidGrant, InvalidRequest, StoreConflict } from '../../errors.js';
import type { GrantRecord } from '../../store/records.js';
import { findActiveUser } from '../../store/find-active-user.js';
import type { Store } from '../../store/store.js';
import { pkceS256 } from '../authorization-codes.js';
import { signInFieldsOf } from '../../credentials/issue-credential.js';
import type { IssueIdToken } from '../../oidc/id-tokens.js';
import { issueTokenPair } from '../issue-token-pair.js';
import type { Grant } from './grant.js';

export interface TokenLifetimes {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** OIDC: adds an ID token to responses whose scope holds `openid`. */
  issueIdToken?: IssueIdToken | undefined;
}

/** How long a redeemed code is remembered, so that a replay can still revoke what it issued. */
const REPLAY_MEMORY_SECONDS = 600;

const invalid = (detail: string) => new InvalidGrant({ description: 'The authorization code is invalid, expired or used.', detail });

export function authorizationCodeGrant(store: Store, clock: Clock, lifetimes: TokenLifetimes): Grant {
  async function replayed(grant: GrantRecord): Promise<never> {
    await store.removeTokenFamily(grant.id);
    throw invalid('code replayed: its tokens were revoked');
  }

  return {
    type: 'authorization_code',
    requiresClient: true,
    async issue({ client, params }) {
      const code = params.get('code');
      if (!code) throw new InvalidRequest({ description: 'code is required.' });
      const grant = await store.findGrantByDigest(digestSecret(code));
      const now = nowSeconds(clock);
      if (grant === undefined || grant.kind !== 'authorization_code') throw invalid('unknown code');
      if (grant.clientId !== client?.clientId) throw invalid('code of another client');
      if (grant.status === 'used') return replayed(grant);
      if (grant.expiresAt <= now) throw invalid('code expired');
      if (params.get('redirect_uri') !== grant.redirectUri) throw invalid('redirect_uri differs from the authorization request');
      const verifier = params.get('code_verifier');
      if (grant.codeChallenge === null ? verifier !== undefined : verifier === undefined || pkceS256(verifier) !== grant.codeChallenge) {
        throw invalid('PKCE verification failed');
      }
      if ((await findActiveUser(store, grant.username ?? '')) === undefined) throw invalid('user removed or disabled');
      try {
        await store.updateGrant(grant.id, { status: 'used', usedAt: now, expiresAt: now + REPLAY_MEMORY_SECONDS }, ['approved']);
      } catch (error) {
        if (error instanceof StoreConflict) return replayed(grant);
        throw error;
      }
      return issueTokenPair(store, clock, {
        clientId: grant.clientId,
        clientName: client.name,
        username: grant.username as string,
        scope: grant.scope,
        familyId: grant.id,
        grantType: 'authorization_code',
        signIn: signInFieldsOf(grant),
        nonce: grant.nonce,
        ...lifetimes,
      });
    },
  };
}
