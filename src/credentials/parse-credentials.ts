/**
 * Turns request headers into at most one credential (PRODUCT.md "Credentials").
 *
 * Accepted: `X-Auth-Token`, its legacy name `X-Session-ID`, `Authorization: Bearer` and
 * `Authorization: Basic` (scheme names case-insensitive, RFC 9110 §11.1). We read
 * `headersDistinct` because Node keeps only the first of two Authorization lines and joins two
 * X-Auth-Token lines with a comma (HAZARDS H9); more than one credential, or a repeated header,
 * is refused (RFC 6750 §2: a client MUST NOT use more than one method) rather than guessed at,
 * since the upstream would pick a different one (HAZARDS H13).
 */
import { InvalidRequest, InvalidToken } from '../errors.js';

export type Credential =
  | { type: 'token'; token: string }
  | { type: 'basic'; username: string; password: string };

/** Header names (lower case) that carry credentials; all are removed before forwarding. */
export const credentialHeaders = ['authorization', 'x-auth-token', 'x-session-id'] as const;

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function malformed(detail: string): never {
  throw new InvalidToken({ description: 'The credential is malformed.', detail });
}

function parseBasic(value: string): Credential {
  if (!BASE64.test(value) || value.length % 4 !== 0) malformed('basic: not base64');
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) malformed('basic: expected user:password');
  return { type: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function parseAuthorization(value: string): Credential | undefined {
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S+)$/.exec(value.trim());
  if (!match) malformed('authorization: expected "<scheme> <credentials>"');
  const scheme = (match[1] as string).toLowerCase();
  const rest = match[2] as string;
  if (scheme === 'basic') return parseBasic(rest);
  if (scheme === 'bearer') {
    if (!B64TOKEN.test(rest)) malformed('bearer: not a b64token');
    return { type: 'token', token: rest };
  }
  // Another scheme (Digest, Negotiate...) is no credential of ours: answered like none at all.
  return undefined;
}

export function parseCredentials(headers: NodeJS.Dict<string[]>): Credential | undefined {
  let found: { name: string; value: string } | undefined;
  for (const name of credentialHeaders) {
    const values = headers[name];
    if (values === undefined) continue;
    if (values.length > 1 || found !== undefined) {
      throw new InvalidRequest({ description: 'Send exactly one credential.', detail: `duplicate ${name}` });
    }
    found = { name, value: values[0] as string };
  }
  if (found === undefined) return undefined;
  if (found.name === 'authorization') return parseAuthorization(found.value);
  const token = found.value.trim();
  if (!B64TOKEN.test(token)) malformed(`${found.name}: not a token`);
  return { type: 'token', token };
}
