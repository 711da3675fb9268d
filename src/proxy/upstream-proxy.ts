/**
 * Forwarding to the upstream with http-proxy-3, which streams bodies both ways and passes every
 * method (WebDAV included) and WebSocket upgrades.
 *
 * The request's path is set to the canonical one and sent verbatim (`toProxy`), so the proxy's
 * URL parser never re-resolves what access was decided on (HAZARDS H1). Every call passes an
 * error callback (HAZARDS H7): refused connections answer 502, time-outs 504, in the one JSON
 * error shape. Upstream sockets are kept alive and pooled.
 */
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ProxyServer } from 'http-proxy-3';
import type { RequestTarget } from '../access/canonical-path.js';
import { BadGateway, type GatewayError, UpstreamTimeout } from '../errors.js';

export interface UpstreamProxyConfig {
  url: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

export interface UpstreamProxy {
  web(req: IncomingMessage, res: ServerResponse, target: RequestTarget, onError: (error: GatewayError) => void): void;
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, target: RequestTarget, onError: (error: GatewayError) => void): void;
  close(): void;
}

/** Response headers that describe the upstream connection, not the response (RFC 9110 §7.6.1). */
const HOP_BY_HOP_RESPONSE = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'te', 'trailer', 'upgrade'];

export function createUpstreamProxy(config: UpstreamProxyConfig): UpstreamProxy {
  const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: config.timeoutMs });
  const proxy = new ProxyServer({
    target: config.url,
    agent,
    toProxy: true,
    xfwd: false,
    proxyTimeout: config.timeoutMs,
    connectTimeout: config.connectTimeoutMs,
  });
  proxy.on('proxyRes', (proxyRes: IncomingMessage, _req: IncomingMessage, res: ServerResponse) => {
    const named = String(proxyRes.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim());
    for (const name of [...HOP_BY_HOP_RESPONSE, ...named]) if (name) delete proxyRes.headers[name];
    // The client's own Connection header was consumed with the request (forwarded-headers.ts),
    // so say what Node decided from it; otherwise http-proxy-3 would answer keep-alive to a
    // client that asked to close.
    proxyRes.headers.connection = res.shouldKeepAlive ? 'keep-alive' : 'close';
  });

  function toGatewayError(error: NodeJS.ErrnoException, startedAt: number): GatewayError {
    const elapsed = performance.now() - startedAt;
    if (error.code === 'ETIMEDOUT' || (error.code === 'ECONNRESET' && elapsed >= config.timeoutMs - 5)) {
      return new UpstreamTimeout({ description: 'The upstream server did not answer in time.', detail: error.code });
    }
    return new BadGateway({ description: 'The upstream server could not be reached.', detail: error.code ?? error.message });
  }

  return {
    web(req, res, target, onError) {
      req.url = target.path + target.query;
      const startedAt = performance.now();
      proxy.web(req, res, {}, (error) => onError(toGatewayError(error as NodeJS.ErrnoException, startedAt)));
    },
    ws(req, socket, head, target, onError) {
      req.url = target.path + target.query;
      const startedAt = performance.now();
      proxy.ws(req, socket, head, {}, (error) => onError(toGatewayError(error as NodeJS.ErrnoException, startedAt)));
    },
    close() {
      proxy.close();
      agent.destroy();
    },
  };
}
