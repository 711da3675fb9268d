/**
 * The answer of the code, refresh and device grants: an access token and a refresh token of one
 * family (the grant's id), so that a replayed code or a reused refresh token can revoke every
 * token that came from the same authorization (RFC 6749 §10.4, §10.5).
 */
import type { Clock } from '../clock.js';
import { issueCredential } from '../credentials/issue-credential.js';
import type { Store } from '../store/store.js';
import type { TokenResponse } from './grants/grant.js';

export interface TokenPairInput {
  clientId: string;
  clientName: string;
  username: string;
  scope: string;
  familyId: string;
  grantType: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** How the person signed in (RFC 8176), carried from the grant to its tokens. */
  amr?: readonly string[];
}

export async function issueTokenPair(store: Store, clock: Clock, input: TokenPairInput): Promise<TokenResponse> {
  const common = {
    name: input.clientName,
    username: input.username,
    clientId: input.clientId,
    scope: input.scope,
    grantType: input.grantType,
    familyId: input.familyId,
    ...(input.amr === undefined ? {} : { amr: input.amr }),
  };
  const [access, refresh] = await Promise.all([
    issueCredential(store, clock, { ...common, kind: 'access_token', ttlSeconds: input.accessTokenTtlSeconds }),
    issueCredential(store, clock, { ...common, kind: 'refresh_token', ttlSeconds: input.refreshTokenTtlSeconds }),
  ]);
  return {
    access_token: access.secret,
    token_type: 'Bearer',
    expires_in: input.accessTokenTtlSeconds,
    refresh_token: refresh.secret,
    scope: input.scope,
  };
}
