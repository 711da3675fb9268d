/**
 * photogate's wiring: what answers a request, in order. No logic lives here.
 *
 *   request ─ canonical path ─┬─ one of our endpoints (table below) ─ answer
 *                             │    └─ forward-auth: the same admission, for a proxy's request
 *                             └─ route rule ─ credential ─ principal ─ scope ─ upstream proxy
 *
 * Errors thrown anywhere become a response in http/send-error.ts.
 * A gateway is built from one configuration; a reload (server.ts) builds the next one and swaps
 * it in between two requests, and what must outlive that is built once, in lasting-parts.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Admission, createAdmitRequest } from './access/admit-request.js';
import { createAccountActions } from './account/account-actions.js';
import { createAccountApi } from './account/account-api.js';
import { accountCookieName, createAccountEndpoints } from './account/account-endpoints.js';
import { createAccountForms } from './account/account-forms.js';
import { createLoadAccountPage } from './account/account-page-data.js';
import { createAppPasswordEndpoints } from './account/app-password-endpoints.js';
import { authorizeDestination } from './access/authorize-destination.js';
import { canonicalizeTarget, type RequestTarget } from './access/canonical-path.js';
import { createConfiguredRouteTable } from './access/configured-route-table.js';
import type { RouteRule } from './access/route-rules.js';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { parseCredentials } from './credentials/parse-credentials.js';
import { refusePasswordOfTwoFactorUsers } from './credentials/refuse-password-of-two-factor-users.js';
import { clientAddress } from './http/client-address.js';
import { continueIfExpected } from './http/continue-if-expected.js';
import { livenessEndpoint, readinessEndpoint } from './http/health-endpoints.js';
import { metricsEndpoint } from './http/metrics-endpoint.js';
import type { RequestCounter } from './http/gateway-metrics.js';
import { createRequestLog } from './http/request-log.js';
import { rootRedirect } from './http/root-redirect.js';
import { createRouter, type Endpoint, type EndpointHandler } from './http/router.js';
import { sendError, sendErrorOnSocket } from './http/send-error.js';
import { GatewayError, RequestTimeout } from './errors.js';
import type { LastingParts } from './lasting-parts.js';
import type { Logger } from './logger.js';
import { verifyEndpoint } from './forward-auth/verify-endpoint.js';
import { createOAuthEndpoints } from './oauth/oauth-endpoints.js';
import { createBrowserSessions } from './oidc/browser-session.js';
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

interface RequestLog {
  path: string | null;
  credential: string | null;
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

const photoprismWebSocketPath = '/api/v1/ws';
/** upstream.headers that are a credential: the upstream's 401 then means it was refused (proxy/http-forwarder.ts). */
const credentialHeaders: ReadonlySet<string> = new Set(['authorization', 'x-auth-token', 'x-session-id']);

/** The account API's paths in the request metrics (one label for users/{id}/…). */
const accountApiPath = '/api/v1/users/{id}';

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

  const oidc = createOidc(config, { store, clock, issuer: deps.issuer });
  const secure = deps.issuer.startsWith('https:');
  const accountActions = createAccountActions({ store, clock, hasher: deps.lasting.hasher, authenticate, twoFactor, audit });
  const accountSessions = createBrowserSessions({ store, clock, secure, ttlSeconds: config.account.sessionTtlSeconds, path: '/', cookieName: accountCookieName });
  const accountForms = createAccountForms({
    sessions: accountSessions, secure, bodyLimitBytes: config.limits.bodyBytes, load: createLoadAccountPage({ actions: accountActions, resources: routes.resources }),
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
    actions: accountActions, authenticator, upstreamIdentity, trustedProxies, bodyLimitBytes: config.limits.bodyBytes, browserSessions: accountSessions, secure,
  });
  const accountCounter = metrics.requestsFor('endpoint', accountApiPath);
  // Request counters resolved once per rule and endpoint, never per request (gateway-metrics.ts).
  const resourceOf = (rule: RouteRule) => (rule.access.kind === 'scope' ? rule.access.resource : rule.access.kind);
  const ruleCounters = new Map(routes.rules.map((rule) => [rule, metrics.requestsFor('proxy', resourceOf(rule))]));
  const endpointCounters = new Map(router.paths.map((path) => [path, metrics.requestsFor('endpoint', path)]));
  const unmappedCounter = metrics.requestsFor('proxy', 'unmapped');
  const refusedCounter = metrics.requestsFor('proxy', 'refused');
  /** The counter of a request refused before it was admitted: its rule, its endpoint, or none. */
  function counterOfRefused(method: string, path: string | undefined): RequestCounter {
    if (path === undefined) return refusedCounter;
    const endpoint = endpointCounters.get(path);
    if (endpoint) return endpoint;
    try {
      const rule = routes.match(method, path);
      return (rule && ruleCounters.get(rule)) ?? unmappedCounter;
    } catch {
      // Matching refuses some paths itself (path parameters that would change the rule).
      return refusedCounter;
    }
  }
  const logRequest = config.log.requests ? createRequestLog(logger) : undefined;

  /** Hands an admitted request to the upstream; returns what the request log may say about it. */
  function forward(req: IncomingMessage, res: ServerResponse, target: RequestTarget, { rule, principal }: Admission): RequestLog {
    authorizeDestination(req, routes, principal);
    forwardedHeaders.apply(req, principal, { upgrade: false });
    continueIfExpected(req, res);
    proxy.web(
      req,
      res,
      target,
      (error) => {
        metrics.upstream.error(error.code);
        sendError(res, error, logger);
      },
      { upstreamCredential: principal !== undefined && sendsUpstreamCredential },
    );
    return {
      // Never a query, never a public route's token path.
      path: rule.access.kind === 'public' ? `${rule.path}/…` : target.path,
      credential: principal?.credentialId ?? principal?.username ?? null,
    };
  }

  async function serveEndpoint(req: IncomingMessage, res: ServerResponse, target: RequestTarget, endpoint: EndpointHandler): Promise<void> {
    const deadline = setTimeout(() => {
      sendError(res, new RequestTimeout({ description: 'The request took too long.' }), logger);
      res.once('finish', () => req.destroy());
    }, config.limits.endpointTimeoutMs);
    res.once('close', () => clearTimeout(deadline));
    continueIfExpected(req, res);
    await endpoint({ req, res, target });
  }

  /** The canonical path, or the refusal (400), recorded in the audit trail without the path itself. */
  function canonicalTarget(req: IncomingMessage): RequestTarget {
    try {
      return canonicalizeTarget(req.url ?? '');
    } catch (error) {
      const reason = error instanceof GatewayError ? error.detail : undefined;
      audit.record({ event: 'path_refused', outcome: 'failure', address: addressOf(req), reason: reason ?? 'not canonical' });
      throw error;
    }
  }

  /** Ends what this gateway holds: the upstream connections and the socket relay's store subscription. */
  function shutDown(): void {
    webSocketRelay?.close();
    proxy.close();
  }

  /** Requests and upgrades taken and not yet closed; a retired gateway closes when none are left. */
  let active = 0;
  let retired = false;

  return {
    handle(req, res) {
      const started = performance.now();
      let log: RequestLog = { path: null, credential: null };
      let counter: RequestCounter | undefined;
      let path: string | undefined;
      active++;
      // 'close' comes after 'finish', and also when the client went away: one listener both counts
      // the requests this gateway still serves (retire) and, for answered ones, logs and measures.
      res.once('close', () => {
        if (--active === 0 && retired) shutDown();
        if (!res.writableFinished) return;
        const seconds = (performance.now() - started) / 1000;
        (counter ?? counterOfRefused(req.method ?? 'GET', path)).observe(res.statusCode, seconds);
        if (logRequest) logRequest({ method: req.method, path: log.path, credential: log.credential, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 });
      });
      const fail = (error: unknown) => sendError(res, error, logger);
      // Straight-line on the common path: a proxied request whose credential is cached is admitted
      // and forwarded without a promise (issue 6 hot path); anything that must wait continues in
      // one promise chain.
      try {
        const target = canonicalTarget(req);
        path = target.path;
        const ownEndpoint = router.find(req.method ?? 'GET', target.path);
        const endpoint = ownEndpoint ?? accountApi.find(req.method ?? 'GET', target.path);
        if (endpoint) {
          counter = ownEndpoint ? endpointCounters.get(target.path) : accountCounter;
          log = { path: target.path, credential: null };
          serveEndpoint(req, res, target, endpoint).catch(fail);
          return;
        }
        // Never a host's rules: the upstream is one, and a client must not pick the rules by Host.
        const admission = admit(req.method ?? 'GET', target.path, req.headersDistinct, addressOf(req));
        if (admission instanceof Promise) {
          admission
            .then((admitted) => {
              counter = ruleCounters.get(admitted.rule);
              log = forward(req, res, target, admitted);
            })
            .catch(fail);
        } else {
          counter = ruleCounters.get(admission.rule);
          log = forward(req, res, target, admission);
        }
      } catch (error) {
        // Answered after the parser has read the rest of what arrived with the head, as the
        // promise path is: a body whose framing is broken (RFC 9112 §6.3) then gets Node's 400,
        // not whatever the gateway would have refused the request with.
        queueMicrotask(() => fail(error));
      }
    },

    upgrade(req, socket, head) {
      active++;
      socket.once('close', () => {
        if (--active === 0 && retired) shutDown();
      });
      socket.on('error', () => socket.destroy());
      const run = async () => {
        const target = canonicalTarget(req);
        if (webSocketRelay && target.path === photoprismWebSocketPath && parseCredentials(req.headersDistinct) === undefined) {
          webSocketRelay.accept(req, socket, head, target);
          return;
        }
        const { principal } = await admit(req.method ?? 'GET', target.path, req.headersDistinct, addressOf(req));
        forwardedHeaders.apply(req, principal, { upgrade: true });
        proxy.ws(req, socket, head, target, (error) => sendErrorOnSocket(socket, error, logger));
      };
      run().catch((error) => sendErrorOnSocket(socket, error, logger));
    },

    close: shutDown,

    retire() {
      retired = true;
      if (active === 0) shutDown();
    },
  };
}
