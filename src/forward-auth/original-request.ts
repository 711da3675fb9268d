/**
 * The request a reverse proxy asks about at forward-auth: its method, host and URI, from the
 * headers Traefik and Caddy `forward_auth` send (`X-Forwarded-Method`, `-Host`, `-Uri`) or the
 * ones an nginx `auth_request` location is told to send (`X-Original-Method`, `-URI`).
 *
 * Believed only from a peer listed in `trustedProxies`: anyone else could name any request and
 * learn what a credential may do, or take the brute-force budget of another address. Missing,
 * repeated or conflicting values are refused, never guessed.
 *
 * The proxy forwards the URI as it received it, and photogate cannot rewrite it as the gateway
 * does (HAZARDS H1-H3): so the path must already be canonical. A form the gateway would rewrite
 * (`//`, `%2e%2e`, `%7e`) is refused here, and what passes is exactly what was decided.
 * Pinned by test/integration/forward-auth.test.ts and the proxy tables in test/interop/.
 */
import type { IncomingMessage } from 'node:http';
import { canonicalizeTarget, type RequestTarget } from '../access/canonical-path.js';
import { AccessDenied, InvalidRequest } from '../errors.js';

export interface OriginalRequest {
  method: string;
  /** As the proxy received it, port included; undefined when the proxy did not say. */
  host: string | undefined;
  target: RequestTarget;
}

/** RFC 9110 §9.1: a method is a token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function invalid(description: string, detail: string): never {
  throw new InvalidRequest({ description, detail });
}

/** The one value the names carry between them: undefined when none, refused when several. */
function single(headers: NodeJS.Dict<string[]>, names: readonly string[]): string | undefined {
  const values = names.flatMap((name) => headers[name] ?? []);
  if (values.length > 1) invalid(`Send one of ${names.join(', ')}, once.`, `repeated ${names[0]}`);
  return values[0];
}

export function readOriginalRequest(req: IncomingMessage, trustedProxies: ReadonlySet<string>): OriginalRequest {
  const peer = req.socket.remoteAddress ?? '';
  if (!trustedProxies.has(peer)) {
    throw new AccessDenied({
      description: `Forward-auth answers only the proxies listed in trustedProxies; add this proxy's address (${peer}) there.`,
      detail: 'forward-auth from an untrusted peer',
    });
  }
  const headers = req.headersDistinct;
  const method = single(headers, ['x-forwarded-method', 'x-original-method']);
  const uri = single(headers, ['x-forwarded-uri', 'x-original-uri']);
  const host = single(headers, ['x-forwarded-host']);
  if (method === undefined || !TOKEN.test(method)) invalid('Send the original method in X-Forwarded-Method or X-Original-Method.', 'no method');
  if (uri === undefined) invalid('Send the original URI in X-Forwarded-Uri or X-Original-URI.', 'no uri');
  const target = canonicalizeTarget(uri);
  const rawPath = uri.split('?', 1)[0];
  if (target.path !== rawPath) invalid('The request path is not acceptable.', 'non-canonical path at forward-auth');
  return { method, host, target };
}
