/**
 * Idle time-out of a request in progress (issue 5 point 3, slowloris on the body): a client that
 * sends the head of a proxied upload and then stops sending is otherwise bounded only by the
 * upstream's idle time-out (HAZARDS H10: the server-wide request time-out is off, because a big
 * WebDAV upload may take hours).
 *
 * Socket-level, so the hot path costs no timer of its own: `server.timeout` makes Node arm one
 * idle timer per connection, which every byte read or written refreshes, and re-arm it when the
 * next request on a kept-alive connection starts. When it fires (and still nothing was read a
 * tenth of the time-out later, at most 1 s: see below), the stalled party decides:
 * - the request body is incomplete and the client sent nothing for `idleTimeoutMs` → 408 if no
 *   response has started (RFC 9110 §15.5.9), else the connection is destroyed; either way the
 *   connection closes, so the forwarder aborts the upstream request as for a client gone away;
 * - a response is being sent and the client has stopped reading it → the connection is destroyed;
 * - the gateway itself holds back (it stopped reading because the upstream reads slowly) or the
 *   client is waiting for the upstream's answer → nothing: that is `upstream.timeoutMs`'s job;
 * - between requests → destroyed, as Node does without a listener (keep-alive time-out).
 * Upgraded (WebSocket) connections are exempt: a quiet WebSocket is normal (PhotoPrism's event
 * socket idles for hours), its protocol has its own ping/pong, and `maxConnections` bounds how
 * many a client can hold. Tests: test/security/idle-timeout.test.ts.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RequestTimeout } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendErrorOnSocket } from './send-error.js';

/** A stalled client that does not read its 408 is dropped after this long. */
const answerLingerMs = 1000;

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * The gateway stopped reading the body, not the client: Node pauses the socket when the request
 * buffers more than it reads (an upstream that reads slowly pushes back through the pipe).
 */
function isHeldBack(socket: Socket): boolean {
  return socket.isPaused();
}

/** Bytes of the response are waiting for a client that does not read them. */
function isUnread(socket: Socket, res: ServerResponse): boolean {
  return res.headersSent && (socket.writableLength > 0 || res.writableLength > 0);
}

export function limitIdleTime(server: Server, idleTimeoutMs: number, logger: Logger): void {
  server.timeout = idleTimeoutMs;
  const graceMs = Math.min(1000, Math.ceil(idleTimeoutMs / 10));
  const exchanges = new WeakMap<Socket, Exchange>();
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    exchanges.set(req.socket, { req, res });
  });
  server.prependListener('upgrade', (_req: IncomingMessage, socket: Socket) => {
    socket.setTimeout(0);
  });

  function endStalled(socket: Socket, { req, res }: Exchange): void {
    if (!req.complete && !isHeldBack(socket)) {
      logger.info({ method: req.method, idleTimeoutMs, answered: res.headersSent }, 'request body stalled: connection closed');
      if (res.headersSent) {
        socket.destroy();
        return;
      }
      // Written on the socket, not through `res`: the exchange must end as if the client had gone
      // away (Node then aborts the request, and the forwarder the upstream request), which a
      // normally finished response would not do.
      socket.once('finish', () => socket.destroy());
      setTimeout(() => socket.destroy(), answerLingerMs).unref();
      sendErrorOnSocket(socket, new RequestTimeout({ description: 'The request body stopped arriving.' }), logger);
      return;
    }
    if (isUnread(socket, res)) {
      logger.info({ method: req.method, idleTimeoutMs }, 'response not read: connection closed');
      socket.destroy();
      return;
    }
    // Not the client's doing (yet). The timer is re-armed only by socket activity, and a body the
    // gateway held back may have been the client's last bytes: look again after another period.
    socket.setTimeout(idleTimeoutMs);
  }

  server.on('timeout', (socket: Socket) => {
    // Timers run before I/O in an event-loop turn: after the process was held up (a long GC, a
    // starved CPU) the timer can fire while bytes the client did send wait unread. Decide a
    // moment later, once pending I/O has been read; any byte read re-arms the timer instead.
    const bytesRead = socket.bytesRead;
    setTimeout(() => {
      setImmediate(() => {
        if (socket.destroyed || socket.bytesRead !== bytesRead) return;
        const exchange = exchanges.get(socket);
        // Between requests (or before the first): Node's own default.
        if (exchange === undefined || exchange.res.writableFinished) socket.destroy();
        else endStalled(socket, exchange);
      });
    }, graceMs).unref();
  });
}
