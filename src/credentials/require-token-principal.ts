/**
 * The principal of a request to one of our token-protected endpoints (session API, userinfo):
 * a token in `X-Auth-Token`, `X-Session-ID` or `Authorization: Bearer`; Basic is no token.
 * Every 401 carries a Bearer challenge (RFC 6750 §3), with no error code when the request
 * carried no credential at all (§3.1).
 */
import { GatewayError, InvalidToken } from '../errors.js';
import type { Authenticator } from './authenticate.js';
import { type Credential, parseCredentials } from './parse-credentials.js';
import type { Principal } from './principal.js';

const REALM = 'realm="photogate"';

/** Adds the Bearer challenge to a 401 (RFC 9110 §15.5.2: a 401 always names a scheme). */
export function withBearerChallenge<E>(error: E): E {
  if (error instanceof GatewayError && error.status === 401) {
    error.headers['www-authenticate'] = `Bearer ${REALM}, error="${error.code}"`;
  }
  return error;
}

export async function requireTokenPrincipal(headers: NodeJS.Dict<string[]>, authenticator: Authenticator): Promise<Principal> {
  let credential: Credential | undefined;
  try {
    credential = parseCredentials(headers);
  } catch (error) {
    throw withBearerChallenge(error);
  }
  if (credential === undefined) {
    throw new InvalidToken({ description: 'Authentication is required.', headers: { 'www-authenticate': `Bearer ${REALM}` } });
  }
  if (credential.type !== 'token') {
    throw withBearerChallenge(new InvalidToken({ description: 'Send a bearer token.', detail: 'basic credentials' }));
  }
  try {
    return await authenticator.authenticate(credential);
  } catch (error) {
    throw withBearerChallenge(error);
  }
}
