/**
 * WebDAV COPY and MOVE write to a second path, named in the `Destination` header (RFC 4918
 * §10.3). That path is decided like a request path: made canonical, matched to a rule, and
 * allowed for this credential and method; otherwise a `webdav`-only app password could MOVE a
 * file into any other resource. The gateway then rewrites the header to the canonical path, so
 * the upstream writes exactly where access was decided; forward-auth cannot rewrite what the
 * proxy forwards, so it asks for a Destination that is canonical already. Destinations on
 * another host are refused.
 */
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../credentials/principal.js';
import { AccessDenied, InvalidRequest } from '../errors.js';
import { authorizeRequest } from './authorize-request.js';
import { canonicalizeTarget } from './canonical-path.js';
import type { RouteTable } from './route-rules.js';

const METHODS_WITH_DESTINATION = new Set(['COPY', 'MOVE']);

function invalid(description: string): never {
  throw new InvalidRequest({ description });
}

export interface DestinationRequest {
  method: string;
  /** The host the request was sent to: a Destination URL must name it. */
  host: string | undefined;
  /** Whose rules decide (route-rules.ts): a forward-auth host; undefined at the gateway. */
  ruleHost: string | undefined;
  headers: NodeJS.Dict<string[]>;
}

/**
 * The Destination header as the upstream must receive it (canonical path, same origin), or
 * undefined for methods without one; throws when it is missing, foreign or not allowed.
 */
export function decideDestination(request: DestinationRequest, routes: RouteTable, principal: Principal | undefined): string | undefined {
  const { method } = request;
  if (!METHODS_WITH_DESTINATION.has(method)) return undefined;
  const values = request.headers.destination;
  if (values === undefined || values.length !== 1) invalid(`${method} needs exactly one Destination header.`);
  const raw = (values[0] as string).trim();
  let origin = '';
  let target = raw;
  if (!raw.startsWith('/')) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      invalid('The Destination header is not a URI.');
    }
    // Only this server's own space (RFC 4918 §9.8.4 allows refusing other servers).
    if (url.host !== request.host || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      invalid('The Destination must be on this server.');
    }
    origin = url.origin;
    target = raw.slice(raw.indexOf(url.host) + url.host.length) || '/';
  }
  const destination = canonicalizeTarget(target);
  const rule = routes.match(method, destination.path, request.ruleHost);
  if (rule === undefined || rule.access.kind === 'public' || principal === undefined) {
    throw new AccessDenied({ description: 'No route rule allows this Destination.', detail: 'destination unmapped' });
  }
  authorizeRequest(rule.access, method, principal);
  return `${origin}${destination.path}${destination.query}`;
}

export function authorizeDestination(req: IncomingMessage, routes: RouteTable, principal: Principal | undefined): void {
  const request = { method: req.method ?? '', host: req.headers.host, ruleHost: undefined, headers: req.headersDistinct };
  const destination = decideDestination(request, routes, principal);
  if (destination !== undefined) req.headers.destination = destination;
}
