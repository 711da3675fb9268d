/**
 * `/api/v1/ws` for PhotoPrism's web UI (PRODUCT.md "PhotoPrism web UI", photoprism-web-ui.md §4 F).
 * A browser cannot send a header on a WebSocket upgrade; the UI sends its token as the `session`
 * field of its first text message instead. So an upgrade without a credential header ends here
 * (upgrades with one are proxied as before, gateway.ts):
 *
 * 1. photogate accepts the socket and waits `firstMessageTimeoutMs` (10 s) for a text message
 *    whose JSON `session` is a valid photogate token; none → closed (1008), nothing upstream.
 * 2. It opens the upstream socket with the forwarded identity headers and the upstream
 *    credential (`upstream.headers`), and sends it every client text message with `session`
 *    replaced by the upstream credential (`X-Auth-Token` of `upstream.headers`; removed when
 *    there is none): photogate's token never reaches the upstream, and the upstream resolves its
 *    own credential's session as it does for every forwarded request. Upstream messages are
 *    relayed unchanged.
 * 3. Both sockets close when either does, when the token is revoked (the store's change event,
 *    then the token is checked again) or when it expires.
 * Pinned by test/integration/photoprism-websocket.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { RequestTarget } from '../access/canonical-path.js';
import type { Clock } from '../clock.js';
import type { Authenticator } from '../credentials/authenticate.js';
import type { Principal } from '../credentials/principal.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

export interface WebSocketRelayDeps {
  upstreamUrl: string;
  upstreamHeaders: Readonly<Record<string, string>>;
  authenticator: Authenticator;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Sets the forwarded identity headers and the upstream credential on the request (proxy/forwarded-headers.ts). */
  applyForwardedHeaders(req: IncomingMessage, principal: Principal): void;
  firstMessageTimeoutMs?: number;
  maxMessageBytes?: number;
}

export interface WebSocketRelay {
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, target: RequestTarget): void;
  close(): void;
}

const POLICY_VIOLATION = 1008;
/** Headers of the client's handshake that the upstream handshake makes itself. */
const HANDSHAKE = new Set(['host', 'upgrade', 'connection', 'content-length', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);

function sessionOf(data: RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  try {
    const parsed: unknown = JSON.parse(String(data));
    const session = (parsed as { session?: unknown } | null)?.session;
    return typeof session === 'string' && session !== '' ? session : undefined;
  } catch {
    return undefined;
  }
}

/** The client's text message with `session` = the upstream credential (or without it). */
function rewrite(data: RawData, isBinary: boolean, upstreamSession: string | undefined): string | RawData {
  if (isBinary) return data;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(data));
  } catch {
    return data;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('session' in parsed)) return data;
  const message = { ...(parsed as Record<string, unknown>) };
  if (upstreamSession === undefined) delete message.session;
  else message.session = upstreamSession;
  return JSON.stringify(message);
}

export function createWebSocketRelay(deps: WebSocketRelayDeps): WebSocketRelay {
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxMessageBytes ?? 1_048_576 });
  const open = new Set<WebSocket>();
  const upstreamSession = Object.entries(deps.upstreamHeaders).find(([name]) => name.toLowerCase() === 'x-auth-token')?.[1];
  const base = deps.upstreamUrl.replace(/\/+$/, '').replace(/^http/, 'ws');

  function relay(client: WebSocket, req: IncomingMessage, target: RequestTarget, token: string, principal: Principal, pending: [RawData, boolean][]) {
    deps.applyForwardedHeaders(req, principal);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HANDSHAKE.has(name) && typeof value === 'string') headers[name] = value;
    }
    const upstream = new WebSocket(`${base}${target.path}${target.query}`, { headers, maxPayload: deps.maxMessageBytes ?? 1_048_576 });
    open.add(upstream);
    const end = (reason: string) => {
      stopWatching();
      if (client.readyState === WebSocket.OPEN) client.close(POLICY_VIOLATION, reason);
      else client.terminate();
      if (upstream.readyState === WebSocket.OPEN) upstream.close(1000);
      else upstream.terminate();
    };
    const send = (data: RawData, isBinary: boolean) => upstream.send(rewrite(data, isBinary, upstreamSession), { binary: isBinary });

    const recheck = () => {
      deps.authenticator.authenticate({ type: 'token', token }).then(
        () => undefined,
        () => end('credential revoked'),
      );
    };
    const unsubscribe = deps.store.onChange((change) => {
      if (change.type === 'token-removed' && change.token.id === principal.credentialId) end('credential revoked');
      else if (change.type !== 'token-removed' || change.token.username === principal.username) recheck();
    });
    const expiry = principal.expiresAt === null ? undefined : setTimeout(() => end('credential expired'), Math.max(0, principal.expiresAt * 1000 - deps.clock.nowMs()));
    const stopWatching = () => {
      unsubscribe();
      if (expiry !== undefined) clearTimeout(expiry);
    };

    upstream.on('open', () => {
      for (const [data, isBinary] of pending.splice(0)) send(data, isBinary);
    });
    client.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) send(data, isBinary);
      else pending.push([data, isBinary]);
    });
    upstream.on('message', (data, isBinary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    upstream.on('close', () => end('upstream closed'));
    upstream.on('error', (error) => {
      deps.logger.warn({ err: error }, 'upstream websocket failed');
      end('upstream unavailable');
    });
    upstream.on('unexpected-response', (_request, response) => {
      deps.logger.warn({ status: response.statusCode }, 'the upstream refused the websocket');
      response.resume();
      end('upstream refused');
    });
    client.on('close', () => end('client closed'));
    upstream.once('close', () => open.delete(upstream));
  }

  function authenticateFirst(client: WebSocket, req: IncomingMessage, target: RequestTarget) {
    const timer = setTimeout(() => client.close(POLICY_VIOLATION, 'no session'), deps.firstMessageTimeoutMs ?? 10_000);
    const pending: [RawData, boolean][] = [];
    let waiting = true;
    const onMessage = (data: RawData, isBinary: boolean) => {
      if (!waiting) {
        pending.push([data, isBinary]);
        return;
      }
      const token = sessionOf(data, isBinary);
      if (token === undefined) return;
      waiting = false;
      pending.push([data, isBinary]);
      deps.authenticator.authenticate({ type: 'token', token }).then(
        (principal) => {
          clearTimeout(timer);
          client.off('message', onMessage);
          if (client.readyState !== WebSocket.OPEN) return;
          relay(client, req, target, token, principal, pending);
        },
        () => {
          clearTimeout(timer);
          client.close(POLICY_VIOLATION, 'invalid session');
        },
      );
    };
    client.on('message', onMessage);
    client.on('close', () => clearTimeout(timer));
  }

  return {
    accept(req, socket, head, target) {
      wss.handleUpgrade(req, socket, head, (client) => {
        open.add(client);
        client.once('close', () => open.delete(client));
        client.on('error', () => client.terminate());
        authenticateFirst(client, req, target);
      });
    },
    close() {
      for (const ws of open) ws.terminate();
      wss.close();
    },
  };
}
