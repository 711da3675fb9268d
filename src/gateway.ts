/**
 * photogate's wiring: what answers a request, in order. No logic lives here.
 *
 *   request ─ canonical path ─┬─ one of our endpoints (table below, account API) ─ answer
 *                             └─ route rule ─ credential ─ principal ─ scope ─ upstream proxy
 *
 * Errors thrown anywhere become a response in http/send-error.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Admission, createAdmitRequest } from './access/admit-request.js';
import { createAccountActions } from './account/account-actions.js';
import { createAccountApi } from './account/account-api.js';
import { authorizeDestination } from './access/authorize-destination.js';
import { createFailureLimiter } from './access/failure-limiter.js';
import { canonicalizeTarget, type RequestTarget } from './access/canonical-path.js';
import { defaultRouteRules } from './access/default-route-rules.js';
import { createRouteTable } from './access/route-rules.js';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { createAuthenticator } from './credentials/authenticate.js';
import { createCredentialCache } from './credentials/credential-cache.js';
import { limitPasswordChecks } from './credentials/limit-password-checks.js';
import { refusePasswordOfTwoFactorUsers } from './credentials/refuse-password-of-two-factor-users.js';
import type { PasswordHasher } from './credentials/password-hash.js';
import { clientAddress } from './http/client-address.js';
import { continueIfExpected } from './http/continue-if-expected.js';
import { createGatewayMetrics } from './http/gateway-metrics.js';
import { livenessEndpoint, readinessEndpoint } from './http/health-endpoints.js';
import { metricsEndpoint } from './http/metrics-endpoint.js';
import { createRequestLog } from './http/request-log.js';
import { rootRedirect } from './http/root-redirect.js';
import { createRouter, type Endpoint, type EndpointHandler } from './http/router.js';
import { sendError, sendErrorOnSocket } from './http/send-error.js';
import { RequestTimeout } from './errors.js';
import type { Logger } from './logger.js';
import { createOAuthEndpoints } from './oauth/oauth-endpoints.js';
import { createUpstreamIdentity } from './photoprism/upstream-identity.js';
import { createWebSocketRelay } from './photoprism/websocket-relay.js';
import { parseCredentials } from './credentials/parse-credentials.js';
import { createForwardedHeaders } from './proxy/forwarded-headers.js';
import { createUpstreamProxy } from './proxy/upstream-proxy.js';
import type { Store } from './store/store.js';
import { requireTwoFactorKeyFile } from './two-factor/key-file.js';
import { createSecretBox } from './two-factor/secret-box.js';
import { createTwoFactor } from './two-factor/two-factor.js';

export interface GatewayDeps {
  store: Store;
  clock: Clock;
  hasher: PasswordHasher;
  logger: Logger;
  /** The public URL, without a trailing slash: the OAuth issuer. */
  issuer: string;
}

export interface Gateway {
  handle(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
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
} as const;

const photoprismWebSocketPath = '/api/v1/ws';
/** upstream.headers that are a credential: the upstream's 401 then means it was refused (proxy/http-forwarder.ts). */
const credentialHeaders: ReadonlySet<string> = new Set(['authorization', 'x-auth-token', 'x-session-id']);

export function createGateway(config: Config, deps: GatewayDeps): Gateway {
  const { store, clock, logger } = deps;
  const routes = createRouteTable(config.routes.builtin ? defaultRouteRules : [], config.routes.rules);
  const cache = createCredentialCache({ ...config.cache, clock });
  const unsubscribe = store.onChange((change) => cache.evict(change));
  const metrics = createGatewayMetrics(() => cache.size);
  const authenticator = createAuthenticator({ store, hasher: metrics.countVerifications(deps.hasher), cache, clock });
  const limiter = createFailureLimiter({
    addressBurst: config.rateLimits.addressFailureBurst,
    addressPerMinute: config.rateLimits.addressFailuresPerMinute,
    accountBurst: config.rateLimits.accountFailureBurst,
    maxTrackedKeys: config.rateLimits.maxTrackedKeys,
    clock,
    shared: store.sharedFailures,
  });
  const authenticate = limitPasswordChecks(authenticator, limiter);
  const authenticateRequest = refusePasswordOfTwoFactorUsers(authenticate);
  const admit = createAdmitRequest(routes, authenticateRequest);
  const twoFactor = createTwoFactor({ store, clock, box: createSecretBox(requireTwoFactorKeyFile(config)), issuer: new URL(deps.issuer).host });
  const upstreamIdentity = createUpstreamIdentity({ url: config.upstream.url, headers: config.upstream.headers, clock, logger, enabled: config.routes.builtin });
  const trustedProxies = new Set(config.trustedProxies);
  const addressOf = (req: IncomingMessage) => clientAddress(req, trustedProxies);
  const proxy = createUpstreamProxy(config.upstream);
  const sendsUpstreamCredential = Object.keys(config.upstream.headers).some((name) => credentialHeaders.has(name.toLowerCase()));
  const forwardedHeaders = createForwardedHeaders({
    identityHeaders: config.identityHeaders,
    trustedProxies: config.trustedProxies,
    publicProtocol: new URL(deps.issuer).protocol.slice(0, -1),
    upstreamHeaders: config.upstream.headers,
  });

  const endpoints: Endpoint[] = [
    ...createOAuthEndpoints(
      { config, store, clock, authenticator, authenticate, issuer: deps.issuer, resources: routes.resources, limiter, twoFactor, upstreamIdentity },
      endpointPaths,
    ),
    { path: endpointPaths.health, methods: { GET: livenessEndpoint } },
    { path: endpointPaths.ready, methods: { GET: readinessEndpoint(config.upstream.url, 1000, store) } },
    { path: endpointPaths.metrics, methods: { GET: metricsEndpoint(metrics.registry, authenticateRequest, trustedProxies) } },
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
  const accountActions = createAccountActions({ store, clock, hasher: deps.hasher, authenticate, twoFactor });
  // users/{id}/… account paths: photogate's own, matched by pattern beside the exact-path table.
  const accountApi = createAccountApi({ actions: accountActions, authenticator, upstreamIdentity, trustedProxies, bodyLimitBytes: config.limits.bodyBytes });
  const logRequest = config.log.requests ? createRequestLog(logger) : undefined;

  /** Hands an admitted request to the upstream; returns what the request log may say about it. */
  function forward(req: IncomingMessage, res: ServerResponse, target: RequestTarget, { rule, principal }: Admission): RequestLog {
    authorizeDestination(req, routes, principal);
    forwardedHeaders.apply(req, principal, { upgrade: false });
    continueIfExpected(req, res);
    proxy.web(req, res, target, (error) => sendError(res, error, logger), { upstreamCredential: principal !== undefined && sendsUpstreamCredential });
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

  return {
    handle(req, res) {
      const started = performance.now();
      let kind: 'proxy' | 'endpoint' = 'proxy';
      let log: RequestLog = { path: null, credential: null };
      res.once('finish', () => {
        const seconds = (performance.now() - started) / 1000;
        metrics.observeRequest(kind, res.statusCode, seconds);
        if (logRequest) logRequest({ method: req.method, path: log.path, credential: log.credential, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 });
      });
      const fail = (error: unknown) => sendError(res, error, logger);
      // Straight-line on the common path: a proxied request whose credential is cached is admitted
      // and forwarded without a promise (issue 6 hot path); anything that must wait continues in
      // one promise chain.
      try {
        const target = canonicalizeTarget(req.url ?? '');
        const endpoint = router.find(req.method ?? 'GET', target.path) ?? accountApi.find(req.method ?? 'GET', target.path);
        if (endpoint) {
          kind = 'endpoint';
          log = { path: target.path, credential: null };
          serveEndpoint(req, res, target, endpoint).catch(fail);
          return;
        }
        const admission = admit(req.method ?? 'GET', target.path, req.headersDistinct, addressOf(req));
        if (admission instanceof Promise) {
          admission.then((admitted) => (log = forward(req, res, target, admitted))).catch(fail);
        } else {
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
      socket.on('error', () => socket.destroy());
      const run = async () => {
        const target = canonicalizeTarget(req.url ?? '');
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

    close() {
      unsubscribe();
      limiter.close();
      webSocketRelay?.close();
      proxy.close();
    },
  };
}
