/**
 * How a gateway answers: each request goes to one of our endpoints (the exact-path table, then
 * the account API's users/{id}/… paths) or, admitted by its route rule and credential, to the
 * upstream; upgrades to the PhotoPrism socket relay or the upstream. Also what surrounds every
 * request: the request metrics (counters resolved once per rule and endpoint, never per
 * request), the request log, the endpoint deadline, and the count of requests in flight that
 * lets a retired gateway close after a reload. gateway.ts builds the parts; this runs them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Admission, AdmitRequest } from '../access/admit-request.js';
import { authorizeDestination } from '../access/authorize-destination.js';
import { canonicalizeTarget, type RequestTarget } from '../access/canonical-path.js';
import type { RouteRule, RouteTable } from '../access/route-rules.js';
import type { AccountApi } from '../account/account-api.js';
import type { Audit } from '../audit/audit.js';
import type { Config } from '../config/schema.js';
import { parseCredentials } from '../credentials/parse-credentials.js';
import { GatewayError, RequestTimeout } from '../errors.js';
import type { Gateway } from '../gateway.js';
import type { Logger } from '../logger.js';
import type { WebSocketRelay } from '../photoprism/websocket-relay.js';
import type { ForwardedHeaders } from '../proxy/forwarded-headers.js';
import type { UpstreamProxy } from '../proxy/upstream-proxy.js';
import { continueIfExpected } from './continue-if-expected.js';
import type { GatewayMetrics, RequestCounter } from './gateway-metrics.js';
import { createRequestLog } from './request-log.js';
import type { EndpointHandler, Router } from './router.js';
import { sendError, sendErrorOnSocket } from './send-error.js';

const photoprismWebSocketPath = '/api/v1/ws';

/** The account API's paths in the request metrics (one label for users/{id}/…). */
const accountApiPath = '/api/v1/users/{id}';

interface RequestLog {
  path: string | null;
  credential: string | null;
}

export interface RequestHandlingDeps {
  config: Pick<Config, 'limits' | 'log'>;
  logger: Logger;
  metrics: GatewayMetrics;
  audit: Audit;
  routes: RouteTable;
  admit: AdmitRequest;
  router: Router;
  accountApi: AccountApi;
  proxy: UpstreamProxy;
  forwardedHeaders: ForwardedHeaders;
  /** upstream.headers carry a credential: the upstream's 401 then means it was refused. */
  sendsUpstreamCredential: boolean;
  addressOf(req: IncomingMessage): string;
  /** PhotoPrism's live updates, authenticated by the first message (built-in rules only). */
  webSocketRelay: WebSocketRelay | undefined;
}

export function createRequestHandling(deps: RequestHandlingDeps): Gateway {
  const { config, logger, metrics, audit, routes, admit, router, accountApi, proxy, forwardedHeaders, sendsUpstreamCredential, addressOf, webSocketRelay } = deps;
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
