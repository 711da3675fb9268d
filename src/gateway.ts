/**
 * photogate's wiring: what answers a request, in order. No logic lives here.
 *
 *   request ─ canonical path ─┬─ one of our endpoints (table below) ─ answer
 *                             │    └─ forward-auth: the same admission, for a proxy's request
 *                             └─ route rule ─ credential ─ principal ─ scope ─ upstream proxy
 *
 * The parts are built here; http/request-handling.ts runs them for each request (metrics, log,
 * deadlines, retiring). Errors thrown anywhere become a response in http/send-error.ts.
 * A gateway is built from one configuration; a reload (server.ts) builds the next one and swaps
 * it in between two requests, and what must outlive that is built once, in lasting-parts.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createAdmitRequest } from './access/admit-request.js';
import { createAccountActions } from './account/account-actions.js';
import { createAccountApi } from './account/account-api.js';
import { accountCookieName, createAccountEndpoints } from './account/account-endpoints.js';
import { createAccountForms } from './account/account-forms.js';
import { createLoadAccountPage } from './account/account-page-data.js';
import { createAppPasswordEndpoints } from './account/app-password-endpoints.js';
import { createDeviceActions } from './account/device-actions.js';
import { createDeviceEndpoints } from './account/device-endpoints.js';
import { createPasswordEndpoints } from './account/password-endpoints.js';
import { createTwoFactorEndpoints } from './account/two-factor-endpoints.js';
import { limitIdleSessions } from './account/idle-sessions.js';
import { createUserAdminActions } from './account/user-admin-actions.js';
import { createUserAdminEndpoints } from './account/user-admin-endpoints.js';
import { createConfiguredRouteTable } from './access/configured-route-table.js';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { refusePasswordOfTwoFactorUsers } from './credentials/refuse-password-of-two-factor-users.js';
import { clientAddress } from './http/client-address.js';
import { livenessEndpoint, readinessEndpoint } from './http/health-endpoints.js';
import { metricsEndpoint } from './http/metrics-endpoint.js';
import { rootRedirect } from './http/root-redirect.js';
import { createRequestHandling } from './http/request-handling.js';
import { createRouter, type Endpoint } from './http/router.js';
import type { LastingParts } from './lasting-parts.js';
import type { Logger } from './logger.js';
import { verifyEndpoint } from './forward-auth/verify-endpoint.js';
import { createOAuthEndpoints } from './oauth/oauth-endpoints.js';
import { createOidc } from './oidc/create-oidc.js';
import { createSignIn } from './oauth/sign-in.js';
import { createUpstreamIdentity } from './photoprism/upstream-identity.js';
import { createWebSocketRelay } from './photoprism/websocket-relay.js';
import { createForwardedHeaders } from './proxy/forwarded-headers.js';
import { createUpstreamProxy } from './proxy/upstream-proxy.js';
import { requireTwoFactorKeyFile } from './two-factor/key-file.js';
import { createSecretBox } from './two-factor/secret-box.js';
import { createTwoFactor } from './two-factor/two-factor.js';

export interface GatewayDeps {
  clock: Clock;
  logger: Logger;
  /** Built once per process and shared by every gateway a reload builds (lasting-parts.ts). */
  lasting: LastingParts;
  /** The public URL, without a trailing slash: the OAuth issuer. */
  issuer: string;
}

export interface Gateway {
  handle(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends everything at once (the process stops). */
  close(): void;
  /** After a reload: closes once the requests it took are done; new ones go to its successor. */
  retire(): void;
}

export const endpointPaths = {
  authorize: '/api/v1/oauth/authorize',
  token: '/api/v1/oauth/token',
  revoke: '/api/v1/oauth/revoke',
  introspect: '/api/v1/oauth/introspect',
  userinfo: '/api/v1/oauth/userinfo',
  session: '/api/v1/session',
  device: '/api/v1/oauth/device',
  /** Short, because people type it on another screen (RFC 8628 §3.3). */
  deviceVerification: '/device',
  authorizationServer: '/.well-known/oauth-authorization-server',
  openidConfiguration: '/.well-known/openid-configuration',
  health: '/healthz',
  ready: '/readyz',
  metrics: '/metrics',
  forwardAuth: '/api/v1/auth/verify',
  jwks: '/.well-known/jwks.json',
  logout: '/api/v1/oauth/logout',
} as const;

/** upstream.headers that are a credential: the upstream's 401 then means it was refused (proxy/http-forwarder.ts). */
const credentialHeaders: ReadonlySet<string> = new Set(['authorization', 'x-auth-token', 'x-session-id']);

export function createGateway(config: Config, deps: GatewayDeps): Gateway {
  const { clock, logger } = deps;
  const { store, authenticator, authenticate, limiter, metrics, audit } = deps.lasting;
  const routes = createConfiguredRouteTable(config);
  // A two-factor user's own password opens nothing on its own: not proxied requests, forward-auth or /metrics.
  const authenticateRequest = refusePasswordOfTwoFactorUsers(authenticate);
  const admit = createAdmitRequest(routes, authenticateRequest, audit);
  const twoFactor = createTwoFactor({ store, clock, box: createSecretBox(requireTwoFactorKeyFile(config)), issuer: new URL(deps.issuer).host });
  const upstreamIdentity = createUpstreamIdentity({ url: config.upstream.url, headers: config.upstream.headers, clock, logger, enabled: config.routes.builtin });
  const trustedProxies = new Set(config.trustedProxies);
  const addressOf = (req: IncomingMessage) => clientAddress(req, trustedProxies);
  const proxy = createUpstreamProxy(config.upstream, metrics.upstream.response);
  const sendsUpstreamCredential = Object.keys(config.upstream.headers).some((name) => credentialHeaders.has(name.toLowerCase()));
  const forwardedHeaders = createForwardedHeaders({
    identityHeaders: config.identityHeaders,
    trustedProxies: config.trustedProxies,
    publicProtocol: new URL(deps.issuer).protocol.slice(0, -1),
    upstreamHeaders: config.upstream.headers,
    dropCookies: [accountCookieName, `__Secure-${accountCookieName}`],
  });

  const { usage } = deps.lasting;
  const builtOidc = createOidc(config, { store, clock, issuer: deps.issuer });
  // One browser session for /account and the OIDC sign-in page (oidc/browser-session.ts), over
  // after account.idleTimeoutSeconds without use on either (account/idle-sessions.ts).
  const oidc = {
    ...builtOidc,
    sessions: limitIdleSessions(builtOidc.sessions, { store, audit, clock, usage, idleTimeoutSeconds: config.account.idleTimeoutSeconds, addressOf }),
  };
  const secure = deps.issuer.startsWith('https:');
  const accountActions = createAccountActions({ store, clock, hasher: deps.lasting.hasher, authenticate, twoFactor, audit, limiter, usage });
  const userAdmin = createUserAdminActions({ store, clock, hasher: deps.lasting.hasher, audit });
  const accountSessions = oidc.sessions;
  const deviceActions = createDeviceActions({ store, clock, consent: oidc.consent, audit, usage, idleTimeoutSeconds: config.account.idleTimeoutSeconds });
  const accountForms = createAccountForms({
    sessions: accountSessions, secure, bodyLimitBytes: config.limits.bodyBytes, load: createLoadAccountPage({ actions: accountActions, resources: routes.resources, devices: deviceActions, userAdmin }),
  });
  const endpoints: Endpoint[] = [
    ...createOAuthEndpoints(
      { config, store, clock, authenticator, authenticate, limiter, audit, authMetrics: metrics.auth, issuer: deps.issuer, resources: routes.resources, oidc, twoFactor, upstreamIdentity },
      endpointPaths,
    ),
    { path: endpointPaths.health, methods: { GET: livenessEndpoint } },
    { path: endpointPaths.ready, methods: { GET: readinessEndpoint(config.upstream.url, 1000, store) } },
    { path: endpointPaths.metrics, methods: { GET: metricsEndpoint(metrics.registry, authenticateRequest, trustedProxies, audit) } },
    { path: endpointPaths.forwardAuth, methods: { '*': verifyEndpoint({ admit, routes, trustedProxies, identityHeaders: config.identityHeaders }) } },
    // The /account page: one section per file in account/, all on the account actions.
    ...createAccountEndpoints({ sessions: accountSessions, signIn: createSignIn(authenticate, { store, twoFactor, limiter, audit }), forms: accountForms, trustedProxies }),
    ...createAppPasswordEndpoints({ forms: accountForms, actions: accountActions, store, clock, resources: routes.resources }),
    ...createDeviceEndpoints({ forms: accountForms, actions: deviceActions, sessions: accountSessions, trustedProxies }),
    ...createPasswordEndpoints({ forms: accountForms, actions: accountActions, trustedProxies }),
    ...createTwoFactorEndpoints({ forms: accountForms, actions: accountActions, trustedProxies }),
    ...createUserAdminEndpoints({ forms: accountForms, actions: userAdmin, trustedProxies }),
    // PhotoPrism's start page; only with the built-in (PhotoPrism's) rules.
    ...(config.routes.builtin ? [{ path: '/', methods: { GET: rootRedirect('/library/login') } }] : []),
  ];
  const router = createRouter(endpoints);
  // PhotoPrism's live updates: browsers authenticate in the first message (built-in rules only).
  const webSocketRelay = config.routes.builtin
    ? createWebSocketRelay({
        upstreamUrl: config.upstream.url,
        upstreamHeaders: config.upstream.headers,
        authenticator,
        store,
        clock,
        logger,
        applyForwardedHeaders: (req, principal) => forwardedHeaders.apply(req, principal, { upgrade: true }),
        firstMessageTimeoutMs: config.limits.webSocketSessionTimeoutMs,
      })
    : undefined;
  // users/{id}/… account paths: photogate's own, matched by pattern beside the exact-path table.
  const accountApi = createAccountApi({
    actions: accountActions, userAdmin, authenticator, upstreamIdentity, trustedProxies, bodyLimitBytes: config.limits.bodyBytes, browserSessions: accountSessions, secure, usage,
  });
  return createRequestHandling({
    config, logger, metrics, audit, routes, admit, router, accountApi, proxy, forwardedHeaders, sendsUpstreamCredential, addressOf, webSocketRelay,
  });
}
