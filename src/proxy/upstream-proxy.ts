/**
 * Forwarding to the upstream: plain HTTP requests through undici's pooled client
 * (http-forwarder.ts, the faster engine: see there), WebSocket upgrades through http-proxy-3,
 * which pipes the two sockets once the upstream has switched protocols.
 *
 * The request's path is set to the canonical one and sent verbatim (`toProxy` for upgrades), so
 * no URL parser re-resolves what access was decided on (HAZARDS H1). Every call passes an error
 * callback (HAZARDS H7): refused connections answer 502, time-outs 504, in the one JSON error
 * shape. Upstream sockets are kept alive and pooled.
 */
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ProxyServer } from 'http-proxy-3';
import type { RequestTarget } from '../access/canonical-path.js';
import { BadGateway, type GatewayError, UpstreamTimeout } from '../errors.js';
import { createHttpForwarder, type ForwardOptions } from './http-forwarder.js';

export interface UpstreamProxyConfig {
  url: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

export interface UpstreamProxy {
  web(req: IncomingMessage, res: ServerResponse, target: RequestTarget, onError: (error: GatewayError) => void, options?: ForwardOptions): void;
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, target: RequestTarget, onError: (error: GatewayError) => void): void;
  close(): void;
}

/** `observeResponse`: seconds from forwarding to the upstream's response head (metrics). */
export function createUpstreamProxy(config: UpstreamProxyConfig, observeResponse?: (seconds: number) => void): UpstreamProxy {
  const http = createHttpForwarder(config, observeResponse);
  const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: config.timeoutMs });
  const proxy = new ProxyServer({
    target: config.url,
    agent,
    toProxy: true,
    xfwd: false,
    proxyTimeout: config.timeoutMs,
    connectTimeout: config.connectTimeoutMs,
  });

  function toGatewayError(error: NodeJS.ErrnoException, startedAt: number): GatewayError {
    const elapsed = performance.now() - startedAt;
    if (error.code === 'ETIMEDOUT' || (error.code === 'ECONNRESET' && elapsed >= config.timeoutMs - 5)) {
      return new UpstreamTimeout({ description: 'The upstream server did not answer in time.', detail: error.code });
    }
    return new BadGateway({ description: 'The upstream server could not be reached.', detail: error.code ?? error.message });
  }

  return {
    web(req, res, target, onError, options) {
      http.forward(req, res, target, onError, options);
    },
    ws(req, socket, head, target, onError) {
      req.url = target.path + target.query;
      const startedAt = performance.now();
      proxy.ws(req, socket, head, {}, (error) => onError(toGatewayError(error as NodeJS.ErrnoException, startedAt)));
    },
    close() {
      proxy.close();
      agent.destroy();
      void http.close();
    },
  };
}
