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
 * - When the gateway sent the upstream a credential of its own (`upstream.headers`) and the upstream
 *   answers 401, that credential was refused, not the client's: the answer becomes 502
 *   `upstream credential rejected` (UpstreamCredentialRejected, logged), so clients that sign out
 *   on 401 (PhotoPrism's web UI) do not sign people out.
 * Pinned by test/integration/forwarding-engine.test.ts, webdav-streaming, upstream-failures.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Dispatcher, Pool } from 'undici';
import type { RequestTarget } from '../access/canonical-path.js';
import { BadGateway, type GatewayError, InvalidRequest, UpstreamCredentialRejected, UpstreamTimeout } from '../errors.js';

export interface HttpForwarderConfig {
  url: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

export interface ForwardOptions {
  /** The upstream gets photogate's own credential: its 401 means that credential was refused. */
  upstreamCredential: boolean;
}

export interface HttpForwarder {
  forward(req: IncomingMessage, res: ServerResponse, target: RequestTarget, onError: (error: GatewayError) => void, options?: ForwardOptions): void;
  close(): Promise<void>;
}

/** Response headers about the upstream connection, not the response (RFC 9110 §7.6.1, RFC 9112 §6.1). */
const HOP_BY_HOP_RESPONSE: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

class ClientGone extends Error {
  constructor() {
    super('the client went away');
  }
}

class CredentialRejected extends Error {
  constructor() {
    super('the upstream answered 401 to the upstream credential');
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

/** Hop-by-hop response headers and those the upstream's `Connection` names stay here. */
function responseHeaders(headers: Record<string, string | string[] | undefined>, keepAlive: boolean): OutgoingHttpHeaders {
  const named = headers.connection === undefined ? undefined : String(headers.connection).toLowerCase().split(',').map((n) => n.trim());
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP_RESPONSE.has(name) || named?.includes(name)) continue;
    out[name] = headers[name];
  }
  // Set explicitly, so Node neither keeps the upstream's value nor adds a Keep-Alive of its own.
  out.connection = keepAlive ? 'keep-alive' : 'close';
  return out;
}

/** The upstream request body: the client's stream, or none (RFC 9112 §6.3: no length, no body). */
function requestBody(req: IncomingMessage): IncomingMessage | null {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined) return req;
  const length = headers['content-length'];
  return length !== undefined && length !== '0' ? req : null;
}

/** One forwarded request, as undici's handler: its methods are undici's callbacks, in order. */
class Exchange implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;

  readonly #startedMs = performance.now();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly onError: (error: GatewayError) => void,
    readonly upstreamCredential: boolean,
    readonly observeResponse: ((seconds: number) => void) | undefined,
  ) {
    res.once('close', this.#onClose);
  }

  /** The client went away before its answer was complete: end the upstream request too. */
  #onClose = () => {
    if (!this.res.writableFinished) this.#controller?.abort(new ClientGone());
  };

  #onDrain = () => this.#controller?.resume();

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.res.destroyed) controller.abort(new ClientGone());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    const { res } = this;
    this.observeResponse?.((performance.now() - this.#startedMs) / 1000);
    if (statusCode === 401 && this.upstreamCredential) {
      _controller.abort(new CredentialRejected());
      return;
    }
    // Node validates the status text and every header: an upstream sending what may not be
    // sent makes this throw, undici aborts, and the client gets 502 (onResponseError).
    const headersOut = responseHeaders(headers, res.shouldKeepAlive);
    if (statusMessage) res.writeHead(statusCode, statusMessage, headersOut);
    else res.writeHead(statusCode, headersOut);
    res.on('drain', this.#onDrain);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.res.off('close', this.#onClose);
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error & { code?: string }): void {
    const { req, res } = this;
    res.off('close', this.#onClose);
    // Nobody to answer (the client went away, which also fails the body stream undici reads),
    // or the answer has started: end the client's connection without a status.
    if (error instanceof ClientGone || req.socket.destroyed || res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof CredentialRejected) {
      this.onError(new UpstreamCredentialRejected({ detail: 'the upstream answered 401 to upstream.headers' }));
      return;
    }
    this.onError(toGatewayError(error));
  }
}

export function createHttpForwarder(config: HttpForwarderConfig, observeResponse?: (seconds: number) => void): HttpForwarder {
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

  function forward(req: IncomingMessage, res: ServerResponse, target: RequestTarget, onError: (error: GatewayError) => void, options?: ForwardOptions): void {
    const headers = req.headers;
    const body = requestBody(req);
    delete headers['transfer-encoding'];
    delete headers.expect;
    pool.dispatch(
      {
        method: req.method as Dispatcher.HttpMethod,
        path: prefix + target.path + target.query,
        headers: headers as Record<string, string | string[]>,
        body,
      },
      new Exchange(req, res, onError, options?.upstreamCredential === true, observeResponse),
    );
  }

  return {
    forward,
    close: () => pool.destroy(),
  };
}
