/**
 * The handlers of photogate's own OAuth 2.0 and session endpoints, by path (the paths are named
 * in gateway.ts). Passwords checked here (login and device pages, session API, password grant)
 * go through the same failure limiter as Basic credentials on proxied requests; so do client
 * secrets, at every endpoint that checks one (`checkClient`).
 */
import type { FailureLimiter } from '../access/failure-limiter.js';
import type { Audit } from '../audit/audit.js';
import type { AuthMetrics } from '../http/gateway-metrics.js';
import type { Authenticator } from '../credentials/authenticate.js';
import type { AuthenticateFrom } from '../credentials/limit-password-checks.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Endpoint } from '../http/router.js';
import { sessionEndpoint } from '../session/session-endpoint.js';
import type { UpstreamIdentitySource } from '../photoprism/upstream-identity.js';
import type { Store } from '../store/store.js';
import type { TwoFactor } from '../two-factor/two-factor.js';
import { authorizeEndpoint } from './authorize-endpoint.js';
import { deviceAuthorizationEndpoint } from './device-authorization-endpoint.js';
import { deviceVerificationEndpoint } from './device-verification-endpoint.js';
import { discoveryEndpoint } from './discovery.js';
import { createGrantRegistry } from './grants/grant-registry.js';
import { passwordGrant } from './grants/password.js';
import { introspectEndpoint } from './introspect-endpoint.js';
import { limitClientSecretChecks } from './limit-client-secret-checks.js';
import { revokeEndpoint } from './revoke-endpoint.js';
import { createSignIn } from './sign-in.js';
import { tokenEndpoint } from './token-endpoint.js';
import { userinfoEndpoint } from './userinfo-endpoint.js';
import { jwksEndpoint } from '../oidc/jwks-endpoint.js';
import { logoutEndpoint } from '../oidc/logout-endpoint.js';
import type { Oidc } from '../oidc/create-oidc.js';

export interface OAuthContext {
  config: Config;
  store: Store;
  clock: Clock;
  authenticator: Authenticator;
  /** Password checks behind the shared failure limiter. */
  authenticate: AuthenticateFrom;
  /** The same limiter, for client secrets (limit-client-secret-checks.ts) and two-factor codes. */
  limiter: FailureLimiter;
  /** The audit trail (audit/audit.ts). */
  audit: Audit;
  /** Credential-check counters (photogate_auth_total), for client secrets. */
  authMetrics: AuthMetrics;
  issuer: string;
  resources: ReadonlySet<string>;
  twoFactor: TwoFactor;
  upstreamIdentity: UpstreamIdentitySource;
  oidc: Oidc;
}

export interface OAuthPaths {
  authorize: string;
  token: string;
  revoke: string;
  introspect: string;
  userinfo: string;
  session: string;
  device: string;
  deviceVerification: string;
  authorizationServer: string;
  openidConfiguration: string;
  jwks: string;
  logout: string;
}

export function createOAuthEndpoints(context: OAuthContext, endpointPaths: OAuthPaths): Endpoint[] {
  const { config, store, clock, authenticator } = context;
  const { issuer, resources } = context;
  const trustedProxies = new Set(config.trustedProxies);
  const { audit } = context;
  const signIn = createSignIn(context.authenticate, { store, twoFactor: context.twoFactor, limiter: context.limiter, audit });
  const checkClient = limitClientSecretChecks({ store, limiter: context.limiter, trustedProxies, clock, cache: config.cache, auth: context.authMetrics, audit });
  const { keys, issueIdToken, sessions, consent } = context.oidc;
  const grants = createGrantRegistry(config, store, clock, [passwordGrant({ store, clock, authenticator, signIn, trustedProxies })], issueIdToken);
  const bodyLimitBytes = config.limits.bodyBytes;
  const pageDeps = { store, clock, signIn, issuer: issuer, bodyLimitBytes, trustedProxies };
  const authorize = authorizeEndpoint({ ...pageDeps, path: endpointPaths.authorize, codeTtlSeconds: config.oauth.codeTtlSeconds, sessions, consent });
  const logout = logoutEndpoint({ store, clock, keys, sessions, issuer, path: endpointPaths.logout, bodyLimitBytes });
  const verifyDevice = deviceVerificationEndpoint({ ...pageDeps, path: endpointPaths.deviceVerification });
  const discovery = { issuer, grants, resources: resources, paths: endpointPaths, signingAlg: config.oidc.signingAlg };
  return [
    { path: endpointPaths.token, methods: { POST: tokenEndpoint({ store, grants, bodyLimitBytes, checkClient, audit, trustedProxies }) } },
    { path: endpointPaths.revoke, methods: { POST: revokeEndpoint({ store, authenticator, bodyLimitBytes, checkClient, audit, trustedProxies }) } },
    {
      path: endpointPaths.introspect,
      methods: { POST: introspectEndpoint({ store, clock, refreshGraceSeconds: config.oauth.refreshGraceSeconds, bodyLimitBytes, checkClient }) },
    },
    { path: endpointPaths.userinfo, methods: { GET: userinfoEndpoint(authenticator, store), POST: userinfoEndpoint(authenticator, store) } },
    { path: endpointPaths.jwks, methods: { GET: jwksEndpoint(keys) } },
    { path: endpointPaths.logout, methods: { GET: logout.get, POST: logout.post } },
    {
      path: endpointPaths.session,
      methods: sessionEndpoint({
        store,
        clock,
        authenticator,
        signIn,
        audit,
        trustedProxies,
        sessionTtlSeconds: config.tokens.sessionTtlSeconds,
        bodyLimitBytes,
        upstreamIdentity: context.upstreamIdentity,
      }),
    },
    { path: endpointPaths.authorize, methods: { GET: authorize.get, POST: authorize.post } },
    { path: endpointPaths.deviceVerification, methods: { GET: verifyDevice.get, POST: verifyDevice.post } },
    {
      path: endpointPaths.device,
      methods: {
        POST: deviceAuthorizationEndpoint({
          store,
          clock,
          bodyLimitBytes,
          verificationUri: `${issuer}${endpointPaths.deviceVerification}`,
          deviceCodeTtlSeconds: config.oauth.deviceCodeTtlSeconds,
          pollIntervalSeconds: config.oauth.devicePollIntervalSeconds,
          checkClient,
        }),
      },
    },
    { path: endpointPaths.authorizationServer, methods: { GET: discoveryEndpoint(discovery, 'oauth') } },
    { path: endpointPaths.openidConfiguration, methods: { GET: discoveryEndpoint(discovery, 'openid') } },
  ];
}
