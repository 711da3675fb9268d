/**
 * The answer of the code, refresh and device grants: an access token and a refresh token of one
 * family (the grant's id), so that a replayed code or a reused refresh token can revoke every
 * token that came from the same authorization (RFC 6749 §10.4, §10.5). With `openid` in the
 * scope an ID token joins them (OIDC Core §3.1.3.3, §12.2); the refresh token keeps the sign-in
 * facts, so the ID token of every later refresh tells the same sign-in.
 */
import type { Clock } from '../clock.js';
import { issueCredential } from '../credentials/issue-credential.js';
import type { IssueIdToken } from '../oidc/id-tokens.js';
import type { SignInFields } from '../store/records.js';
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
  issueIdToken?: IssueIdToken | undefined;
  /** How the user signed in, when the grant came from a sign-in. */
  signIn?: SignInFields | undefined;
  /** Echoed in the ID token (OIDC Core §3.1.3.6); only from an authorization code. */
  nonce?: string | undefined;
}

export async function issueTokenPair(store: Store, clock: Clock, input: TokenPairInput): Promise<TokenResponse> {
  const common = {
    name: input.clientName,
    username: input.username,
    clientId: input.clientId,
    scope: input.scope,
    grantType: input.grantType,
    familyId: input.familyId,
  };
  const [access, refresh, idToken] = await Promise.all([
    // The access token records how the person signed in (Principal.amr: the account API and the
    // session answer tell a two-factor sign-in); the refresh token carries the whole sign-in.
    issueCredential(store, clock, { ...common, kind: 'access_token', ttlSeconds: input.accessTokenTtlSeconds, signIn: amrOnly(input.signIn) }),
    issueCredential(store, clock, { ...common, kind: 'refresh_token', ttlSeconds: input.refreshTokenTtlSeconds, signIn: input.signIn }),
    input.issueIdToken?.({ ...input.signIn, username: input.username, clientId: input.clientId, scope: input.scope, nonce: input.nonce }),
  ]);
  return {
    access_token: access.secret,
    token_type: 'Bearer',
    expires_in: input.accessTokenTtlSeconds,
    refresh_token: refresh.secret,
    scope: input.scope,
    ...(idToken === undefined ? {} : { id_token: idToken }),
  };
}

const amrOnly = (signIn: SignInFields | undefined): SignInFields | undefined => (signIn?.amr === undefined ? undefined : { amr: signIn.amr });
