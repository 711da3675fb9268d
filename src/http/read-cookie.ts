/**
 * One cookie's value from the request's Cookie header (RFC 6265 §5.4 syntax: `name=value` pairs
 * joined by `;`). The first pair with the name wins, as browsers list the most specific first
 * (§5.4 step 2); values are returned raw, without percent-decoding, since ours are base64url.
 * Small on purpose: the gateway reads only its own cookies and needs no dependency for it.
 */
import type { IncomingMessage } from 'node:http';

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}
