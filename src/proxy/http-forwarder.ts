/**
 * Forwarding plain HTTP requests with undici's pooled client (`Pool.dispatch`), the faster of the
 * two engines issue 6 point 3 compared (numbers in the commit that introduced this file and in
 * `npm run bench`); WebSocket upgrades stay with http-proxy-3 (upstream-proxy.ts).
 *
 * - The path sent is the canonical one, verbatim (HAZARDS H1): undici never re-parses it.
 * - Bodies stream both ways with backpressure: a request body is handed to undici as the
 *   IncomingMessage itself; response chunks pause the upstream socket while the client's socket
 *   is full. Nothing is buffered beyond the sockets' own buffers.
 * - undici refuses hop-by-hop request headers (HAZARDS H8); forwarded-headers.ts has already
 *   removed them (RFC 9110 §7.6.1), and here `Transfer-Encoding` goes too (undici frames the body
 *   itself: chunked when there is no Content-Length) and `Expect`: the gateway has answered the
 *   client's `100-continue` once it admitted the request (http/continue-if-expected.ts, RFC 9110
 *   §10.1.1), and the upstream gets the body without waiting. undici writes the request head
 *   with the first body byte, so a body that never comes never reaches the upstream.
 * - Response hop-by-hop headers, and those the upstream's `Connection` names, are dropped; the
 *   client gets the Connection decision Node made for its own connection. Trailers are not
 *   forwarded (nothing announced them: `Trailer` is dropped too).
 * - A client that goes away aborts the upstream request; an upstream that breaks off a response
 *   breaks off the client's. Errors before the answer started: refused or failed connection 502,
 *   no answer within `timeoutMs` 504 (`upstream_timeout`); after it started the client's
 *   connection is destroyed, since a status can no longer be sent.
 * Pinned by test/integration/forwarding-engine.test.ts, webdav-streaming, upstream-failures.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Dispatcher, Pool } from 'undici';
import type { RequestTarget } from '../access/canonical-path.js';
import { BadGateway, type GatewayError, InvalidRequest, UpstreamTimeout } from '../errors.js';

export interface HttpForwarderConfig {
  url: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

export interface HttpForwarder {
  forward(req: IncomingMessage, res: ServerResponse, target: RequestTarget, onError: (error: GatewayError) => void): void;
  close(): Promise<void>;
}

/** Response headers about the upstream connection, not the response (RFC 9110 §7.6.1, RFC 9112 §6.1). */
const HOP_BY_HOP_RESPONSE = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

class ClientGone extends Error {
  constructor() {
    super('the client went away');
  }
}

function toGatewayError(error: Error & { code?: string }): GatewayError {
  switch (error.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new UpstreamTimeout({ description: 'The upstream server did not answer in time.', detail: error.code });
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
      return new InvalidRequest({ description: 'The request cannot be forwarded.', detail: error.message });
    default:
      return new BadGateway({ description: 'The upstream server could not be reached.', detail: error.code ?? error.message });
  }
}

function responseHeaders(headers: Record<string, string | string[] | undefined>, keepAlive: boolean): OutgoingHttpHeaders {
  const named = headers.connection;
  if (named !== undefined) {
    for (const name of String(named).toLowerCase().split(',')) delete headers[name.trim()];
  }
  for (const name of HOP_BY_HOP_RESPONSE) delete headers[name];
  // Set explicitly, so Node neither keeps the upstream's value nor adds a Keep-Alive of its own.
  headers.connection = keepAlive ? 'keep-alive' : 'close';
  return headers;
}

/** The upstream request body: the client's stream, or none (RFC 9112 §6.3: no length, no body). */
function requestBody(req: IncomingMessage): IncomingMessage | null {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined) return req;
  const length = headers['content-length'];
  return length !== undefined && length !== '0' ? req : null;
}

export function createHttpForwarder(config: HttpForwarderConfig): HttpForwarder {
  const upstream = new URL(config.url);
  /** A path in `upstream.url` prefixes every forwarded path, as http-proxy-3 did. */
  const prefix = upstream.pathname.replace(/\/+$/, '');
  const pool = new Pool(upstream.origin, {
    connections: 512,
    pipelining: 1,
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
    connect: { timeout: config.connectTimeoutMs },
  });

  function forward(req: IncomingMessage, res: ServerResponse, target: RequestTarget, onError: (error: GatewayError) => void): void {
    const headers = req.headers;
    const body = requestBody(req);
    delete headers['transfer-encoding'];
    delete headers.expect;
    let controller: Dispatcher.DispatchController | undefined;
    const onClose = () => {
      if (!res.writableFinished) controller?.abort(new ClientGone());
    };
    const onDrain = () => controller?.resume();
    res.once('close', onClose);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (res.destroyed) started.abort(new ClientGone());
      },
      onResponseStart(_started, statusCode, upstreamHeaders, statusMessage) {
        // Node validates the status text and every header: an upstream sending what may not be
        // sent makes this throw, undici aborts, and the client gets 502 below.
        const headersOut = responseHeaders(upstreamHeaders, res.shouldKeepAlive);
        if (statusMessage) res.writeHead(statusCode, statusMessage, headersOut);
        else res.writeHead(statusCode, headersOut);
        res.on('drain', onDrain);
      },
      onResponseData(started, chunk) {
        if (!res.write(chunk)) started.pause();
      },
      onResponseEnd() {
        res.off('close', onClose);
        res.end();
      },
      onResponseError(_started, error: Error & { code?: string }) {
        res.off('close', onClose);
        // Nobody to answer (the client went away, which also fails the body stream undici reads),
        // or the answer has started: end the client's connection without a status.
        if (error instanceof ClientGone || req.socket.destroyed || res.headersSent) {
          res.destroy();
          return;
        }
        onError(toGatewayError(error));
      },
    };
    pool.dispatch(
      {
        method: req.method as Dispatcher.HttpMethod,
        path: prefix + target.path + target.query,
        headers: headers as Record<string, string | string[]>,
        body,
      },
      handler,
    );
  }

  return {
    forward,
    close: () => pool.destroy(),
  };
}
