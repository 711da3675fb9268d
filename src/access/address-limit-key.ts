/**
 * The key under which failures of one client address are counted (failure-limiter.ts).
 * - An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as a dual-stack socket reports IPv4 peers)
 *   counts as the IPv4 address itself (RFC 4291 §2.5.5.2).
 * - Other IPv6 addresses count by their /64 prefix: one host or LAN usually owns a whole /64
 *   (RFC 7421: the interface identifier is the lower 64 bits), so rotating through its
 *   addresses must not buy new attempts (OWASP Credential Stuffing Prevention, IP limits).
 * - A zone index (`fe80::1%eth0`) is dropped; anything that is not an IP address is used as is,
 *   cut to 64 characters.
 * Pinned by test/unit/access/address-limit-key.test.ts.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address (which isIPv6 has accepted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

export function addressLimitKey(address: string): string {
  const plain = address.replace(/%.*/s, '');
  if (isIPv4(plain)) return plain;
  if (!isIPv6(plain)) return address.slice(0, 64);
  const g = ipv6Groups(plain);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return g.slice(6).flatMap((x) => [x >> 8, x & 255]).join('.');
  }
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}
