/**
 * ID tokens (OIDC Core §2, §3.1.3.6): a JWT signed by jose with the current signing key, for
 * every token response whose scope holds `openid` and that speaks for a user. The sign-in facts
 * (`auth_time`, `amr`, `sid`) come from the grant or refresh token record, where the sign-in put
 * them, so a refreshed ID token says the same as the first one (§12.2) and a second factor only
 * has to add its method to `amr` at sign-in.
 */
import { SignJWT } from 'jose';
import { type Clock, nowSeconds } from '../clock.js';
import type { SignInFields } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { SigningKeys } from './signing-keys.js';
import { hasOpenidScope, userClaims } from './user-claims.js';

export interface IdTokenInput extends SignInFields {
  username: string;
  clientId: string;
  scope: string;
  nonce?: string | undefined;
}

/** Resolves to the ID token, or undefined when the scope does not ask for one. */
export type IssueIdToken = (input: IdTokenInput) => Promise<string | undefined>;

export function createIdTokenIssuer(deps: { store: Store; clock: Clock; keys: SigningKeys; issuer: string; ttlSeconds: number }): IssueIdToken {
  return async (input) => {
    if (!hasOpenidScope(input.scope)) return undefined;
    const user = await deps.store.findUser(input.username);
    if (user === undefined) return undefined;
    const { kid, alg, key } = await deps.keys.current();
    const now = nowSeconds(deps.clock);
    const claims: Record<string, unknown> = { ...userClaims(user, input.scope) };
    if (input.authTime !== undefined) claims.auth_time = input.authTime;
    if (input.nonce !== undefined) claims.nonce = input.nonce;
    if (input.amr !== undefined) claims.amr = input.amr;
    if (input.sid !== undefined) claims.sid = input.sid;
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(deps.issuer)
      .setAudience(input.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + deps.ttlSeconds)
      .sign(key);
  };
}
