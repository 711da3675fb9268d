/**
 * Redirect URI matching: exact string comparison (RFC 6749 §3.1.2.3, OAuth 2.0 Security BCP
 * §4.1.3), except that a loopback redirect URI may use any port, since native apps listen on an
 * ephemeral one (RFC 8252 §7.3).
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

function withoutPort(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) return undefined;
    url.port = '';
    return url.href;
  } catch {
    return undefined;
  }
}

export function matchesRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const loose = withoutPort(requested);
  return loose !== undefined && registered.some((uri) => withoutPort(uri) === loose);
}

/** Appends response parameters to the redirect URI's query, keeping its own (RFC 6749 §4.1.2). */
export function buildRedirect(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(key, value);
  return url.href;
}
