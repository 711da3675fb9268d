/**
 * Validates an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3) in the order §4.1.2.1
 * demands: while the client or its redirect URI is in doubt nothing may be redirected, so those
 * errors are shown on a page (`showOnPage`); every later error goes back to the client's
 * redirect URI with `state`.
 */
import { normalizeScope } from '../access/normalize-scope.js';
import { isScopeSubset, parseScopeGrant } from '../access/scope-grant.js';
import { GatewayError, InvalidRequest } from '../errors.js';
import type { ClientRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { findFresh } from '../store/find-fresh.js';
import { matchesRedirectUri } from './redirect-uri.js';

export interface AuthorizationRequest {
  client: ClientRecord;
  redirectUri: string;
  scope: string;
  state: string | undefined;
  codeChallenge: string | undefined;
  /** OIDC Core §3.1.2.1: echoed in the ID token. */
  nonce: string | undefined;
  /** OIDC Core §3.1.2.1 `prompt`: none, login, consent. */
  prompt: ReadonlySet<string>;
  /** OIDC Core §3.1.2.1 `max_age`: oldest acceptable sign-in, in seconds. */
  maxAgeSeconds: number | undefined;
  /** The parameters to carry through the login form unchanged. */
  params: Record<string, string>;
}

/** An error the page shows; never redirected. */
export class AuthorizationPageError extends GatewayError {}

/** An error sent back to the client's redirect URI (RFC 6749 §4.1.2.1). */
export class AuthorizationRedirectError extends GatewayError {
  readonly redirectUri: string;
  readonly state: string | undefined;
  constructor(code: string, description: string, redirectUri: string, state: string | undefined) {
    super(400, code, { description });
    this.redirectUri = redirectUri;
    this.state = state;
  }
}

const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
const CARRIED = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'prompt', 'max_age'];
/** `select_account` is accepted and means nothing more here: one account per browser session. */
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

function pageError(description: string): never {
  throw new AuthorizationPageError(400, 'invalid_request', { description });
}

export async function parseAuthorizationRequest(store: Store, input: ReadonlyMap<string, string>): Promise<AuthorizationRequest> {
  const clientId = input.get('client_id');
  if (!clientId) pageError('The request names no client (client_id is missing).');
  const client = await findFresh(store, () => store.findClient(clientId));
  if (client === undefined || !client.enabled) pageError('This application is not registered with photogate.');
  const requested = input.get('redirect_uri');
  const [only] = client.redirectUris;
  const redirectUri = requested ?? (client.redirectUris.length === 1 && only !== undefined ? only : undefined);
  if (redirectUri === undefined) pageError('The request names no redirect_uri, and the application has several or none.');
  if (!matchesRedirectUri(client.redirectUris, redirectUri)) pageError('The redirect_uri is not registered for this application.');

  const state = input.get('state');
  const fail = (code: string, description: string): never => {
    throw new AuthorizationRedirectError(code, description, redirectUri, state);
  };
  if (input.get('response_type') !== 'code') fail('unsupported_response_type', 'Only response_type=code is supported.');
  const codeChallenge = input.get('code_challenge');
  const method = input.get('code_challenge_method');
  if (codeChallenge === undefined) {
    // RFC 7636 §4.4.1; OAuth 2.0 Security BCP §2.1.1: public clients must use PKCE.
    if (client.secretDigest === null) fail('invalid_request', 'PKCE (code_challenge with S256) is required for this application.');
    if (method !== undefined) fail('invalid_request', 'code_challenge_method without code_challenge.');
  } else {
    // `plain` offers no protection when the challenge leaks; only S256 is accepted.
    if (method !== 'S256') fail('invalid_request', 'code_challenge_method must be S256.');
    if (!CODE_CHALLENGE.test(codeChallenge)) fail('invalid_request', 'code_challenge is malformed.');
  }
  const scope = input.has('scope') ? normalizeScope(input.get('scope') ?? '') : client.scope;
  if (scope === '' || !isScopeSubset(parseScopeGrant(scope), parseScopeGrant(client.scope))) {
    fail('invalid_scope', 'The requested scope exceeds what this application may ask for.');
  }
  // OIDC Core §6.1, §6.2: request objects are not supported, and discovery says so.
  if (input.has('request')) fail('request_not_supported', 'Request objects are not supported.');
  if (input.has('request_uri')) fail('request_uri_not_supported', 'request_uri is not supported.');
  const prompt = new Set((input.get('prompt') ?? '').split(' ').filter((p) => p !== ''));
  if ([...prompt].some((p) => !PROMPTS.has(p))) fail('invalid_request', 'prompt may hold none, login, consent and select_account only.');
  // OIDC Core §3.1.2.1: none with any other value is an error.
  if (prompt.has('none') && prompt.size > 1) fail('invalid_request', 'prompt=none cannot be combined with other values.');
  const maxAge = input.get('max_age');
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) fail('invalid_request', 'max_age must be a number of seconds.');
  const nonce = input.get('nonce');
  if (nonce !== undefined && (nonce === '' || nonce.length > 512)) fail('invalid_request', 'nonce must be 1 to 512 characters.');
  const params: Record<string, string> = {};
  for (const key of CARRIED) {
    const value = input.get(key);
    if (value !== undefined) params[key] = value;
  }
  return { client, redirectUri, scope, state, codeChallenge, nonce, prompt, maxAgeSeconds: maxAge === undefined ? undefined : Number(maxAge), params };
}

/** Query parameters of a GET authorization request; a repeated one is refused (RFC 6749 §3.1). */
export function readQueryParams(query: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(query)) {
    if (params.has(key)) throw new InvalidRequest({ description: `The parameter ${key} is repeated.` });
    params.set(key, value);
  }
  return params;
}
