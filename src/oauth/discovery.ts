/**
 * RFC 8414 authorization server metadata, served at both well-known paths (the OpenID one adds
 * the userinfo endpoint; photogate issues no ID tokens, so it claims no more of OIDC). Everything
 * is derived from what is registered (grants, endpoints, auth methods, route resources), never
 * written by hand, so it advertises exactly what works; key and array order are stable.
 */
import type { EndpointHandler } from '../http/router.js';
import { sendJson } from '../http/send-json.js';
import { clientAuthMethods, tokenEndpointAuthMethods } from './authenticate-client.js';
import type { Grant } from './grants/grant.js';

export interface DiscoveryInput {
  issuer: string;
  grants: ReadonlyMap<string, Grant>;
  resources: ReadonlySet<string>;
  /** Paths of the endpoints that exist; absent ones are not advertised. */
  paths: { token: string; revoke: string; authorize?: string; device?: string; introspect?: string; userinfo?: string };
}

export function buildDiscoveryDocument(input: DiscoveryInput, flavour: 'oauth' | 'openid'): Record<string, unknown> {
  const url = (path: string | undefined) => (path === undefined ? undefined : `${input.issuer}${path}`);
  const { paths } = input;
  const document: Record<string, unknown> = {
    issuer: input.issuer,
    authorization_endpoint: url(paths.authorize),
    token_endpoint: url(paths.token),
    userinfo_endpoint: flavour === 'openid' ? url(paths.userinfo) : undefined,
    device_authorization_endpoint: url(paths.device),
    revocation_endpoint: url(paths.revoke),
    introspection_endpoint: url(paths.introspect),
    grant_types_supported: [...input.grants.keys()],
    response_types_supported: paths.authorize ? ['code'] : [],
    response_modes_supported: paths.authorize ? ['query'] : undefined,
    scopes_supported: ['*', ...[...input.resources].sort(), 'read', 'write'],
    token_endpoint_auth_methods_supported: [...tokenEndpointAuthMethods],
    // `none`: tokens without a client are revoked by presenting them (RFC 7009 §2.1).
    revocation_endpoint_auth_methods_supported: [...clientAuthMethods, 'none'],
    introspection_endpoint_auth_methods_supported: paths.introspect ? [...clientAuthMethods] : undefined,
    // Only S256: `plain` protects nothing once the challenge is seen (RFC 7636 §7.2).
    code_challenge_methods_supported: paths.authorize ? ['S256'] : undefined,
    // RFC 9207: authorization responses carry `iss`, against mix-up attacks.
    authorization_response_iss_parameter_supported: paths.authorize ? true : undefined,
  };
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));
}

export function discoveryEndpoint(input: DiscoveryInput, flavour: 'oauth' | 'openid'): EndpointHandler {
  const document = buildDiscoveryDocument(input, flavour);
  return async ({ res }) => sendJson(res, 200, document);
}
