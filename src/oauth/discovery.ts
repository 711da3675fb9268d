/**
 * RFC 8414 authorization server metadata, served at both well-known paths. It is derived from
 * what is registered (grants, auth methods, route resources), never written by hand, so it
 * advertises exactly what works; key order and array order are stable.
 */
import type { EndpointHandler } from '../http/router.js';
import { sendJson } from '../http/send-json.js';
import { clientAuthMethods } from './authenticate-client.js';
import type { Grant } from './grants/grant.js';

export interface DiscoveryInput {
  issuer: string;
  grants: ReadonlyMap<string, Grant>;
  resources: ReadonlySet<string>;
  paths: { token: string; revoke: string };
}

export function buildDiscoveryDocument(input: DiscoveryInput): Record<string, unknown> {
  const url = (path: string) => `${input.issuer}${path}`;
  return {
    issuer: input.issuer,
    token_endpoint: url(input.paths.token),
    token_endpoint_auth_methods_supported: [...clientAuthMethods],
    grant_types_supported: [...input.grants.keys()],
    // No authorization endpoint yet: no response type is supported (RFC 8414 §2).
    response_types_supported: [],
    scopes_supported: ['*', ...[...input.resources].sort(), 'read', 'write'],
    revocation_endpoint: url(input.paths.revoke),
    // `none`: tokens without a client are revoked by presenting them (RFC 7009 §2.1).
    revocation_endpoint_auth_methods_supported: [...clientAuthMethods, 'none'],
  };
}

export function discoveryEndpoint(input: DiscoveryInput): EndpointHandler {
  const document = buildDiscoveryDocument(input);
  return async ({ res }) => sendJson(res, 200, document);
}
