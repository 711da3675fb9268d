/**
 * CSRF protection of our HTML forms without server state: the double-submit cookie pattern
 * (OWASP CSRF Prevention Cheat Sheet). The page embeds a random token in a hidden field and
 * sets the same value in a cookie; a POST is accepted only when both are present and equal.
 * A cross-site attacker can make the browser send the cookie but can neither read it nor set it,
 * so cannot put the matching value in the form.
 *
 * - Over https the cookie is `__Host-photogate-csrf`: Secure, Path=/ and no Domain, which a
 *   sibling subdomain or a plain-http response cannot overwrite (RFC 6265bis §4.1.3.2), the
 *   known weakness of naive double submit. Over plain http (local development) that prefix is
 *   unavailable and the cookie is `photogate-csrf`.
 * - HttpOnly (no script needs it) and SameSite=Strict: a cross-site POST does not carry it at all.
 * - A GET reuses a well-formed cookie already present, so two open tabs or a reload do not
 *   invalidate each other's forms; it is a fresh 32-byte random value otherwise.
 * - Compared in constant time (of SHA-256 digests, so lengths never differ).
 * Pinned by test/unit/oauth/csrf.test.ts and test/integration/login-pages.test.ts.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidRequest } from '../errors.js';
import { readCookie } from '../http/read-cookie.js';

/** 32 random bytes in base64url without padding. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-photogate-csrf' : 'photogate-csrf';
}

/** The token to embed in the form; sets the cookie unless the request already carries one. */
export function issueCsrfToken(req: IncomingMessage, res: ServerResponse, secure: boolean): string {
  const name = csrfCookieName(secure);
  const existing = readCookie(req, name);
  if (existing !== undefined && TOKEN.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  res.appendHeader('set-cookie', `${name}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
  return token;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Throws 400 invalid_request unless the form's token equals the cookie's. */
export function verifyCsrfToken(req: IncomingMessage, formValue: string | undefined, secure: boolean): void {
  const cookie = readCookie(req, csrfCookieName(secure));
  const valid = cookie !== undefined && TOKEN.test(cookie) && formValue !== undefined
    && timingSafeEqual(digest(cookie), digest(formValue));
  if (!valid) {
    throw new InvalidRequest({
      description: 'The form has expired; reload the page.',
      detail: cookie === undefined ? 'csrf cookie missing' : formValue === undefined ? 'csrf field missing' : 'csrf token mismatch',
    });
  }
}
