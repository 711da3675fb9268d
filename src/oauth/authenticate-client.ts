/**
 * Client authentication at the token, revocation, introspection and device endpoints (RFC 6749
 * §2.3.1), always reached through limit-client-secret-checks.ts:
 * `client_secret_basic` (HTTP Basic with the form-urlencoded id and secret) or
 * `client_secret_post` (both in the body), never both (RFC 6749 §2.3: one method per request).
 * Unknown client, wrong secret and disabled client give the same answer after the same work.
 */
import type { IncomingMessage } from 'node:http';
import { digestSecret, digestsEqual } from '../credentials/secrets.js';
import { InvalidClient, InvalidRequest } from '../errors.js';
import type { FormParams } from '../http/read-form-body.js';
import type { ClientRecord } from '../store/records.js';
import { findFresh } from '../store/find-fresh.js';
import { findActiveUser } from '../store/find-active-user.js';
import type { Store } from '../store/store.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';
export const clientAuthMethods: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];
/** `none`: public clients (no secret) identify themselves with client_id alone (RFC 6749 §2.1). */
export const tokenEndpointAuthMethods = [...clientAuthMethods, 'none'] as const;

export interface ClientCredentials {
  clientId: string;
  secret: string;
  method: ClientAuthMethod;
}

/** Matches no real digest: unknown clients are compared against it, so they cost the same. */
const NO_SECRET = digestSecret('photogate: no such client');

const basicChallenge = { 'www-authenticate': 'Basic realm="photogate", charset="UTF-8"' };

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    throw new InvalidClient({ description: 'Client authentication failed.', headers: basicChallenge, detail: 'bad encoding' });
  }
}

/** Reads the client's credentials, undefined when the request carries none. */
export function readClientCredentials(req: IncomingMessage, params: FormParams): ClientCredentials | undefined {
  const authorization = req.headersDistinct.authorization;
  const inBody = params.has('client_secret');
  // A lone Bearer header is the caller's own token (the password grant's session), not a client's.
  const bearer = authorization?.length === 1 && /^bearer /i.test((authorization[0] as string).trim());
  if (authorization !== undefined && !bearer) {
    if (inBody || authorization.length > 1) {
      throw new InvalidRequest({ description: 'Use exactly one client authentication method.' });
    }
    const match = /^basic +([A-Za-z0-9+/]+={0,2})$/i.exec((authorization[0] as string).trim());
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new InvalidClient({ description: 'Client authentication failed.', headers: basicChallenge, detail: 'malformed basic' });
    }
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
      method: 'client_secret_basic',
    };
  }
  if (!inBody) return undefined;
  return { clientId: params.get('client_id') ?? '', secret: params.get('client_secret') ?? '', method: 'client_secret_post' };
}

export async function authenticateClient(credentials: ClientCredentials, store: Store): Promise<ClientRecord> {
  const client = await findFresh(store, () => store.findClient(credentials.clientId));
  const matches = digestsEqual(digestSecret(credentials.secret), client?.secretDigest ?? NO_SECRET);
  // A client owned by a disabled (or removed) user acts for nobody: refused like a wrong secret.
  const ownerActive = client?.username == null || (await findActiveUser(store, client.username)) !== undefined;
  if (client === undefined || !matches || !client.enabled || !ownerActive) {
    throw new InvalidClient({
      description: 'Client authentication failed.',
      detail: client === undefined ? 'unknown client' : !matches ? 'wrong secret' : !client.enabled ? 'client disabled' : 'owner disabled',
      // RFC 6749 §5.2: a client that authenticated with the Authorization header gets a challenge.
      headers: credentials.method === 'client_secret_basic' ? basicChallenge : {},
    });
  }
  return client;
}

/**
 * The client of a token or device request: authenticated by `checkSecret` (the failure-limited
 * check, limit-client-secret-checks.ts) when it sent credentials;
 * a public client identified by `client_id` alone (RFC 6749 §3.2.1: public clients send their
 * id, nothing more). A confidential client that sends no secret is refused.
 */
export async function identifyClient(
  req: IncomingMessage,
  params: FormParams,
  store: Store,
  checkSecret: (credentials: ClientCredentials, req: IncomingMessage) => Promise<ClientRecord>,
): Promise<ClientRecord | undefined> {
  const credentials = readClientCredentials(req, params);
  if (credentials) return checkSecret(credentials, req);
  const clientId = params.get('client_id');
  if (clientId === undefined) return undefined;
  const client = await findFresh(store, () => store.findClient(clientId));
  if (client === undefined || !client.enabled || client.secretDigest !== null) {
    throw new InvalidClient({
      description: 'Client authentication failed.',
      detail: client === undefined ? 'unknown client' : !client.enabled ? 'client disabled' : 'confidential client without secret',
      headers: basicChallenge,
    });
  }
  return client;
}
