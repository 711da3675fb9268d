/**
 * Bounds the connections one server holds open (issue 5 point 3). Node's `server.maxConnections`
 * closes a new socket without a word, which a client cannot tell from a crash; here a connection
 * over the limit gets a minimal `503` with `Retry-After: 1` and is then closed, while every
 * connection already admitted keeps being served.
 *
 * A refused socket must never reach Node's HTTP parser (it would parse the client's request and
 * hand it to the gateway), so the limiter takes the place of the server's own `connection`
 * listeners and passes admitted sockets on to them.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';

/** A refused client that neither reads nor closes is dropped after this long. */
const refusedLingerMs = 1000;

const refusal = (() => {
  const payload = JSON.stringify({ error: 'temporarily_unavailable', error_description: 'too many connections, retry shortly' });
  return [
    'HTTP/1.1 503 Service Unavailable',
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(payload)}`,
    'cache-control: no-store',
    'retry-after: 1',
    'connection: close',
    '',
    payload,
  ].join('\r\n');
})();

function refuse(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  socket.setTimeout(refusedLingerMs, () => socket.destroy());
  // Read and discard what the client sends, so that our FIN (not a reset) follows the answer.
  socket.resume();
  socket.end(refusal);
}

export function limitConnections(server: Server, maxConnections: number, logger: Logger): { readonly open: number } {
  const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= maxConnections) {
      logger.debug({ maxConnections }, 'connection refused: too many open connections');
      refuse(socket);
      return;
    }
    open += 1;
    socket.once('close', () => (open -= 1));
    for (const listener of httpListeners) listener.call(server, socket);
  });
  return {
    get open() {
      return open;
    },
  };
}
