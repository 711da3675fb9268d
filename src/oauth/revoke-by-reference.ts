/**
 * Revoking by reference id (PRODUCT.md "revoke by reference id"): PhotoPrism's Apps dialog sends
 * `token` = the `ID` its list showed (`sess` + 8 characters), with the person's session token as
 * `X-Auth-Token` or Bearer (photoprism-web-ui.md §2). Hashing that id as if it were a token would
 * find nothing and answer 200 while the app password kept working; so a reference id sent with a
 * user's session (or user access token) is looked up by id: the owner's own credential is removed,
 * anyone else's is 403, an unknown id is 200 as RFC 7009 §2.2 answers for unknown tokens. App
 * passwords and client tokens cannot revoke by id (403).
 * Pinned by test/integration/account-api.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '../credentials/authenticate.js';
import { parseCredentials } from '../credentials/parse-credentials.js';
import { requireTokenPrincipal } from '../credentials/require-token-principal.js';
import { AccessDenied } from '../errors.js';
import type { TokenRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

const referenceId = /^sess[0-9a-z]{8}$/;

/** Whether this revocation is by reference id: the token has that shape and a caller token came with it. */
export function isRevocationByReference(req: IncomingMessage, token: string): boolean {
  if (!referenceId.test(token)) return false;
  const credential = parseCredentials(req.headersDistinct);
  return credential?.type === 'token';
}

/** Resolves to the credential removed, if any (for the audit trail). */
export async function revokeByReference(req: IncomingMessage, id: string, deps: { store: Store; authenticator: Authenticator }): Promise<TokenRecord | undefined> {
  const caller = await requireTokenPrincipal(req.headersDistinct, deps.authenticator);
  const isUserToken = caller.username !== null && caller.clientId === null && (caller.kind === 'session' || caller.kind === 'access_token');
  if (!isUserToken) throw new AccessDenied({ description: 'Send a user session token to revoke by reference id.', detail: `a ${caller.kind}` });
  const record = await deps.store.findToken(id);
  if (record === undefined) return undefined;
  if (record.username !== caller.username || record.clientId !== null) {
    throw new AccessDenied({ description: 'This credential is not yours.', detail: `reference id ${id}` });
  }
  return deps.store.removeToken(record.id);
}
