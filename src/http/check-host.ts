/**
 * RFC 9112 §3.2: a server MUST answer 400 to a request with more than one Host line or a Host
 * whose value is not a valid `uri-host [":" port]`. Node keeps the first of two Host lines and
 * passes any value on (HAZARDS H9), so the upstream would get whatever the client chose to put
 * there, and the gateway and a later hop could disagree about which host was asked for. A
 * missing Host is already refused by Node for HTTP/1.1 (allowed for HTTP/1.0).
 * Pinned by test/security/limits.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidRequest } from '../errors.js';

/** RFC 3986 §3.2.2 host (IP-literal, IPv4 or reg-name, which may be empty) and §3.2.3 port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

export function checkHost(req: IncomingMessage): InvalidRequest | undefined {
  const hosts = req.headersDistinct.host;
  if (hosts === undefined) return undefined;
  if (hosts.length !== 1) return new InvalidRequest({ description: 'Send exactly one Host header.', detail: 'repeated host' });
  if (!HOST.test(hosts[0] as string)) return new InvalidRequest({ description: 'The Host header is not valid.', detail: 'invalid host' });
  return undefined;
}
