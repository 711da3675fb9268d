/**
 * Server metadata at the two well-known paths: RFC 8414's at oauth-authorization-server, and
 * OpenID Connect Discovery 1.0 §3's at openid-configuration (the same plus `jwks_uri`,
 * `userinfo_endpoint`, `end_session_endpoint`, subject types, ID token algorithms, claims and
 * prompt values, and `false` where Discovery's defaults would promise what photogate lacks:
 * request objects, the claims parameter). Everything is derived from what is registered (grants,
 * endpoints, auth methods, route resources, the signing algorithm), never written by hand, so it
 * advertises exactly what works; key and array order are stable. Pinned by
 * test/integration/oidc-discovery.test.ts, which checks each claim against the endpoints.
 */
import type { EndpointHandler } from '../http/router.js';
import { sendJson } from '../http/send-json.js';
import { clientAuthMethods, tokenEndpointAuthMethods } from './authenticate-client.js';
import type { Grant } from './grants/grant.js';
import { openidScopes, supportedClaims } from '../oidc/user-claims.js';

export interface DiscoveryInput {
  issuer: string;
  grants: ReadonlyMap<string, Grant>;
  resources: ReadonlySet<string>;
  /** Paths of the endpoints that exist; absent ones are not advertised. */
  paths: { token: string; revoke: string; authorize?: string; device?: string; introspect?: string; userinfo?: string; jwks?: string; logout?: string };
  /** The algorithm ID tokens are signed with. */
  signingAlg?: string;
}

export function buildDiscoveryDocument(input: DiscoveryInput, flavour: 'oauth' | 'openid'): Record<string, unknown> {
  const url = (path: string | undefined) => (path === undefined ? undefined : `${input.issuer}${path}`);
  const { paths } = input;
  const openid = flavour === 'openid';
  const document: Record<string, unknown> = {
    issuer: input.issuer,
    authorization_endpoint: url(paths.authorize),
    token_endpoint: url(paths.token),
    userinfo_endpoint: openid ? url(paths.userinfo) : undefined,
    jwks_uri: openid ? url(paths.jwks) : undefined,
    end_session_endpoint: openid ? url(paths.logout) : undefined,
    device_authorization_endpoint: url(paths.device),
    revocation_endpoint: url(paths.revoke),
    introspection_endpoint: url(paths.introspect),
    grant_types_supported: [...input.grants.keys()],
    response_types_supported: paths.authorize ? ['code'] : [],
    response_modes_supported: paths.authorize ? ['query'] : undefined,
    scopes_supported: [...openidScopes, '*', ...[...input.resources].filter((r) => !(openidScopes as readonly string[]).includes(r)).sort(), 'read', 'write'],
    token_endpoint_auth_methods_supported: [...tokenEndpointAuthMethods],
    // `none`: tokens without a client are revoked by presenting them (RFC 7009 §2.1).
    revocation_endpoint_auth_methods_supported: [...clientAuthMethods, 'none'],
    introspection_endpoint_auth_methods_supported: paths.introspect ? [...clientAuthMethods] : undefined,
    // Only S256: `plain` protects nothing once the challenge is seen (RFC 7636 §7.2).
    code_challenge_methods_supported: paths.authorize ? ['S256'] : undefined,
    // RFC 9207: authorization responses carry `iss`, against mix-up attacks.
    authorization_response_iss_parameter_supported: paths.authorize ? true : undefined,
    subject_types_supported: openid ? ['public'] : undefined,
    id_token_signing_alg_values_supported: openid && input.signingAlg ? [input.signingAlg] : undefined,
    claims_supported: openid ? [...supportedClaims] : undefined,
    prompt_values_supported: openid && paths.authorize ? ['none', 'login', 'consent', 'select_account'] : undefined,
    claims_parameter_supported: openid ? false : undefined,
    request_parameter_supported: openid ? false : undefined,
    request_uri_parameter_supported: openid ? false : undefined,
  };
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));
}

export function discoveryEndpoint(input: DiscoveryInput, flavour: 'oauth' | 'openid'): EndpointHandler {
  const document = buildDiscoveryDocument(input, flavour);
  return async ({ res }) => sendJson(res, 200, document);
}
