/**
 * Authorization codes: 256-bit random, stored as digests, single use, bound to the client, the
 * redirect URI, the user, the scope and the PKCE challenge (RFC 6749 §4.1.2, §10.5; RFC 7636).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Clock, nowSeconds } from '../clock.js';
import { signInFieldsOf } from '../credentials/issue-credential.js';
import { digestSecret, generateRefId } from '../credentials/secrets.js';
import type { SignInFields } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { AuthorizationRequest } from './authorization-request.js';

/** Authorization codes' ids (and so their token families' ids) start so (account/device-actions.ts tells connected apps by it). */
export const codeGrantIdPrefix = 'code';

export async function createAuthorizationCode(
  store: Store,
  clock: Clock,
  request: AuthorizationRequest,
  username: string,
  ttlSeconds: number,
  signIn: SignInFields = {},
): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const now = nowSeconds(clock);
  await store.addGrant({
    id: generateRefId().replace(/^sess/, codeGrantIdPrefix),
    digest: digestSecret(code),
    kind: 'authorization_code',
    clientId: request.client.clientId,
    username,
    scope: request.scope,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge ?? null,
    userCodeDigest: null,
    status: 'approved',
    createdAt: now,
    expiresAt: now + ttlSeconds,
    usedAt: null,
    lastPolledAt: null,
    ...signInFieldsOf(signIn),
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  });
  return code;
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
