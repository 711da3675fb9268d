/**
 * The address a request comes from, for rate limits and logs: the TCP peer, unless the peer is a
 * configured trusted proxy, in which case the nearest address in X-Forwarded-For that is not
 * itself a trusted proxy (walking from the right, as each proxy appends; RFC 7239 §5.2 reasons).
 */
import type { IncomingMessage } from 'node:http';

export function clientAddress(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustedProxies.has(peer)) return peer;
  const forwarded = req.headersDistinct['x-forwarded-for'];
  if (forwarded === undefined) return peer;
  const chain = forwarded.join(',').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] as string;
    if (!trustedProxies.has(hop)) return hop;
  }
  return chain[0] ?? peer;
}
