/**
 * `/api/v1/auth/verify`, any method: forward-auth for nginx `auth_request`, Traefik `forwardAuth`
 * and Caddy `forward_auth` (PRODUCT.md "forward-auth"). The proxy asks "may this request pass?"
 * and photogate answers with the very decision the gateway makes before forwarding: the same
 * admission (route rules, credentials, scopes, brute-force limits) and the same Destination
 * check, so the answers are the gateway's: 401 with its challenge, 403, 429, 400.
 *
 * A method-override header is refused (400) after admission, as the gateway refuses it before
 * forwarding (proxy/forwarded-headers.ts): the proxy would pass it on, and the upstream might
 * run the method it names instead of the one decided here. Path parameters (`..;`) are refused
 * by canonicalizeTarget and the route table, as at the gateway.
 *
 * 200 carries the identity headers for the proxy to copy to the upstream, always all three, empty
 * when there is nothing to say (a public route, a token without a user): a proxy that copies
 * them then overwrites whatever a client sent under those names.
 */
import type { AdmitRequest } from '../access/admit-request.js';
import { decideDestination } from '../access/authorize-destination.js';
import type { RouteTable } from '../access/route-rules.js';
import { clientAddress } from '../http/client-address.js';
import type { EndpointHandler } from '../http/router.js';
import { InvalidRequest } from '../errors.js';
import { refuseMethodOverride } from '../proxy/forwarded-headers.js';
import { readOriginalRequest } from './original-request.js';

export interface VerifyEndpointDeps {
  admit: AdmitRequest;
  routes: RouteTable;
  trustedProxies: ReadonlySet<string>;
  identityHeaders: { user: string; client: string; scope: string };
}

export function verifyEndpoint({ admit, routes, trustedProxies, identityHeaders }: VerifyEndpointDeps): EndpointHandler {
  return async ({ req, res }) => {
    const { method, host, target } = readOriginalRequest(req, trustedProxies);
    const headers = req.headersDistinct;
    const { principal } = await admit(method, target.path, headers, clientAddress(req, trustedProxies), host);
    const destination = decideDestination({ method, host, ruleHost: host, headers }, routes, principal);
    if (destination !== undefined && destination !== headers.destination?.[0]?.trim()) {
      throw new InvalidRequest({ description: 'The Destination path is not acceptable.', detail: 'non-canonical destination at forward-auth' });
    }
    refuseMethodOverride(headers);
    res.writeHead(200, {
      [identityHeaders.user]: principal?.username ?? '',
      [identityHeaders.client]: principal?.clientId ?? principal?.credentialId ?? '',
      [identityHeaders.scope]: principal?.scope ?? '',
      'cache-control': 'no-store',
      'content-length': '0',
    });
    res.end();
  };
}
