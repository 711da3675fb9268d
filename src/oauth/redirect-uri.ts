/**
 * Redirect URIs: what may be registered, and when a requested one is the registered one.
 *
 * - Matching is exact string comparison (RFC 6749 §3.1.2.3; RFC 9700 §2.1, §4.1.3): no case
 *   folding of scheme or host, no default port, trailing-slash, dot-segment or percent-encoding
 *   normalisation, since every one of those is a way to make a URI that a browser or an app
 *   reads differently from the one registered. The one difference allowed is the port of a
 *   loopback redirect URI, `http://127.0.0.1` or `http://[::1]` spelled exactly so, because
 *   native apps listen on an ephemeral port (RFC 8252 §7.3).
 * - Registration (`redirectUriProblem`) refuses a relative URI, a fragment (RFC 6749 §3.1.2),
 *   userinfo (`https://user@host/`: a classic disguise of the real host), backslashes and
 *   whitespace (parsers disagree on them); http only on loopback hosts; https or a private-use
 *   scheme in reverse-domain order otherwise (RFC 8252 §7.1). A registered URI that breaks these
 *   rules (stored before they existed) never matches.
 * Pinned by test/security/redirect-uris.test.ts.
 */

const LOOPBACK_HTTP_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Why `raw` may not be registered as a redirect URI, or undefined when it may. */
export function redirectUriProblem(raw: string): string | undefined {
  if (/[\s\p{Cc}]/u.test(raw)) return 'spaces and control characters are not allowed';
  if (raw.includes('\\')) return 'backslashes are not allowed';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not an absolute URI (a relative one is not allowed)';
  }
  if (raw.includes('#')) return 'a fragment (#) is not allowed';
  const authority = /^[^:/?#]+:\/\/([^/?#]*)/.exec(raw)?.[1];
  if (authority?.includes('@') || url.username !== '' || url.password !== '') return 'userinfo (user@ before the host) is not allowed';
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'https' || scheme === 'http') {
    if (!/^https?:\/\/[^/]/i.test(raw)) return `expected ${scheme}://HOST/...`;
    if (scheme === 'https' || LOOPBACK_HTTP_HOSTS.has(url.hostname)) return undefined;
    return 'http is allowed only for 127.0.0.1, [::1] and localhost; use https';
  }
  if (scheme.includes('.') && raw.length > url.protocol.length) return undefined;
  return 'expected https://..., http://127.0.0.1/... or a private-use scheme like com.example.app:/callback';
}

/** `http://127.0.0.1` or `http://[::1]` exactly, an optional port, then a path, a query or nothing. */
const LOOPBACK = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::([0-9]{1,5}))?([/?].*)?$/s;

/** A loopback redirect URI without its port; undefined for any other URI. */
function loopbackWithoutPort(uri: string): string | undefined {
  const match = LOOPBACK.exec(uri);
  if (match === null) return undefined;
  const port = match[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  return `${match[1]}${match[3] ?? ''}`;
}

export function matchesRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return redirectUriProblem(requested) === undefined;
  const loose = loopbackWithoutPort(requested);
  if (loose === undefined) return false;
  return registered.some((uri) => loopbackWithoutPort(uri) === loose && redirectUriProblem(uri) === undefined);
}

/** Appends response parameters to the redirect URI's query, keeping its own (RFC 6749 §4.1.2). */
export function buildRedirect(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(key, value);
  return url.href;
}
