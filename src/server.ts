/**
 * The HTTP server around the gateway: limits Node enforces before our code runs (header size →
 * 431, header time → 408, HAZARDS H10), the connection limit (503), the idle time-out of a
 * request in progress (408), HTTP/1.x only (505), one valid Host (400), listening, the printed
 * address, graceful close.
 * There is no overall request time-out: a WebDAV upload of many gigabytes may take hours; a
 * stalled one is ended by the idle time-out (http/limit-idle-time.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Audit, noAudit } from './audit/audit.js';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import type { PasswordHasher } from './credentials/password-hash.js';
import { planReload } from './config/reload-plan.js';
import { createGateway, type Gateway } from './gateway.js';
import { checkHost } from './http/check-host.js';
import { checkHttpVersion } from './http/check-http-version.js';
import { limitConnections } from './http/limit-connections.js';
import { limitIdleTime } from './http/limit-idle-time.js';
import { sendError, sendErrorOnSocket } from './http/send-error.js';
import { createLastingParts, type LastingParts } from './lasting-parts.js';
import type { Logger } from './logger.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  /** `http://HOST:PORT` with the real port. */
  url: string;
  /** The issuer in force (publicUrl may change on a reload). */
  readonly issuer: string;
  server: Server;
  /** The gateway in force: the one that takes the next request. */
  readonly gateway: Gateway;
  /** The configuration in force. */
  readonly config: Readonly<Config>;
  /** What outlives a reload (lasting-parts.ts). */
  lasting: LastingParts;
  /**
   * Builds a gateway from `next` and swaps it in between two requests: each request is handled
   * entirely by the gateway that took it; the old one closes when its requests are done.
   * Keys that need a restart keep their value and are returned.
   */
  reload(next: Readonly<Config>): { needsRestart: string[] };
  close(): Promise<void>;
}

/** How long a stopping gateway lets exchanges in progress finish (Docker waits 10 s before SIGKILL). */
const shutdownGraceMs = 5000;

function splitHostPort(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(listen.slice(colon + 1)) };
}

function formatUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startServer(
  config: Config,
  deps: { store: Store; clock: Clock; hasher: PasswordHasher; logger: Logger; audit?: Audit },
): Promise<RunningServer> {
  const server = createServer({
    maxHeaderSize: config.limits.headerBytes,
    headersTimeout: config.limits.headersTimeoutMs,
    // Node checks the header time-out only this often (30 s by default), so a slow client would
    // otherwise hold its connection up to headersTimeoutMs + 30 s.
    connectionsCheckingInterval: Math.min(1000, config.limits.headersTimeoutMs),
    requestTimeout: 0,
    keepAliveTimeout: config.limits.keepAliveTimeoutMs,
    insecureHTTPParser: false,
  });
  limitConnections(server, config.limits.maxConnections, deps.logger);
  limitIdleTime(server, config.limits.idleTimeoutMs, deps.logger);
  const { host, port } = splitHostPort(config.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = formatUrl(server.address() as AddressInfo);
  const lasting = createLastingParts(config, { ...deps, audit: deps.audit ?? noAudit });
  const build = (next: Readonly<Config>) => {
    const issuer = (next.publicUrl ?? url).replace(/\/+$/, '');
    return { config: next, issuer, gateway: createGateway(next, { ...deps, issuer, lasting }) };
  };
  // One reference, read once per request: the swap is atomic between two requests.
  let current = build(config);
  server.on('request', (req, res) => {
    const refused = checkHttpVersion(req) ?? checkHost(req);
    if (refused) sendError(res, refused, deps.logger);
    else current.gateway.handle(req, res);
  });
  // Not answered by Node before any check: the gateway sends 100 Continue once it takes the
  // request (http/continue-if-expected.ts).
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
  // Upgraded (WebSocket) connections leave Node's HTTP bookkeeping: closeAllConnections() does not
  // see them, so close() ends them itself.
  const upgraded = new Set<Socket>();
  server.on('upgrade', (req, socket: Socket, head) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const refused = checkHttpVersion(req) ?? checkHost(req);
    if (refused) sendErrorOnSocket(socket, refused, deps.logger);
    else current.gateway.upgrade(req, socket, head);
  });

  return {
    url,
    get issuer() {
      return current.issuer;
    },
    server,
    get gateway() {
      return current.gateway;
    },
    get config() {
      return current.config;
    },
    lasting,
    reload(next) {
      const plan = planReload(current.config, next);
      const previous = current;
      current = build(plan.config);
      deps.logger.level = plan.config.log.level;
      previous.gateway.retire();
      return { needsRestart: plan.needsRestart };
    },
    /**
     * Stops accepting and lets exchanges in progress finish (their upstream requests included),
     * for up to `shutdownGraceMs`; then cuts what is left, WebSockets included. The timer is
     * deliberately not unref'd: a connection whose socket is paused (a client still uploading
     * after the upstream answered early) keeps `server.close` waiting without keeping the event
     * loop alive, and Node would then exit with 13 ("unsettled top-level await") instead of 0.
     */
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A kept-alive connection becomes idle once its exchange ends: closed then, not at the end
      // of the grace period (swept only while stopping, so requests pay nothing for it).
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => {
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      }, shutdownGraceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      current.gateway.close();
      await lasting.close();
    },
  };
}
