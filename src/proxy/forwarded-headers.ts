/**
 * The headers a forwarded request carries, rewritten on `req.headers` BEFORE it reaches
 * http-proxy-3: the proxy skips its `proxyReq` hook for requests with an `Expect` header
 * (HAZARDS H6), so edits made there would silently not happen.
 *
 * - Hop-by-hop headers, and every header the client's `Connection` names, end here
 *   (RFC 9110 §7.6.1); a `Connection: X-Forwarded-User` therefore cannot strip our headers,
 *   because ours are set afterwards (HAZARDS H5).
 * - Credentials never reach the upstream, in any spelling: `_` for `-` included (HAZARDS H4, H13).
 * - Identity and forwarding headers the client sent under our names are dropped before ours are
 *   set; `X-Forwarded-For` is extended only when the peer is a trusted proxy.
 * - A method-override header (`X-HTTP-Method-Override`, `X-HTTP-Method`, `X-Method-Override`, in
 *   any spelling) refuses the request with 400 (issue 12): many frameworks execute the method it
 *   names, so a GET allowed to a read-only credential would become a DELETE upstream. Refused, not
 *   dropped, because dropping silently turns the client's intended DELETE into the POST that
 *   carried it, and because forward-auth cannot drop anything from the request its proxy sends.
 *   Pinned by test/security/method-override.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../credentials/principal.js';
import { credentialHeaders } from '../credentials/parse-credentials.js';
import { InvalidRequest } from '../errors.js';

export interface ForwardedHeadersConfig {
  identityHeaders: { user: string; client: string; scope: string };
  trustedProxies: readonly string[];
  /** http or https: how clients reached us. */
  publicProtocol: string;
  /** Sent on every forwarded request (the upstream's own credential, for example). */
  upstreamHeaders: Readonly<Record<string, string>>;
  /** Our own cookies (the account page's session): removed from the Cookie header forwarded upstream. */
  dropCookies?: readonly string[];
}

/** The Cookie header without the named cookies; undefined when nothing is left. */
function withoutCookies(header: string, names: ReadonlySet<string>): string | undefined {
  const kept = header.split(';').map((pair) => pair.trim()).filter((pair) => pair !== '' && !names.has(pair.split('=', 1)[0] as string));
  return kept.length === 0 ? undefined : kept.join('; ');
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'upgrade'];
const FORWARDING = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip'];
/** Headers that make frameworks execute another method than the request's own. */
const METHOD_OVERRIDE = ['x-http-method-override', 'x-http-method', 'x-method-override'];

const refuseOverride = (name: string): never => {
  throw new InvalidRequest({ description: 'Method-override headers are not accepted: send the method itself.', detail: `method override header ${name}` });
};

/**
 * The same refusal for a path that forwards nothing itself (forward-auth: its proxy sends the
 * request, so a header cannot be removed there, only the request refused).
 */
export function refuseMethodOverride(headers: Readonly<Record<string, unknown>>): void {
  for (const name of Object.keys(headers)) if (METHOD_OVERRIDE.includes(name.replaceAll('_', '-'))) refuseOverride(name);
}

export interface ForwardedHeaders {
  apply(req: IncomingMessage, principal: Principal | undefined, options: { upgrade: boolean }): void;
}

export function createForwardedHeaders(config: ForwardedHeadersConfig): ForwardedHeaders {
  const identity = [config.identityHeaders.user, config.identityHeaders.client, config.identityHeaders.scope].map((h) =>
    h.toLowerCase(),
  );
  /** Names the client may not send us, compared with `_` read as `-`: dropped, or the request refused. */
  const reserved = new Map<string, 'drop' | 'refuse'>([
    ...[...credentialHeaders, ...identity, ...FORWARDING].map((name) => [name, 'drop'] as const),
    ...METHOD_OVERRIDE.map((name) => [name, 'refuse'] as const),
  ]);
  const trusted = new Set(config.trustedProxies);
  const dropCookies = new Set(config.dropCookies ?? []);
  const extra = Object.entries(config.upstreamHeaders).map(([k, v]) => [k.toLowerCase(), v] as const);

  return {
    apply(req, principal, { upgrade }) {
      const headers = req.headers;
      const peer = req.socket.remoteAddress ?? '';
      const priorFor = trusted.has(peer) ? headers['x-forwarded-for'] : undefined;
      const host = headers.host;
      for (const name of Object.keys(headers)) {
        const action = reserved.get(name) ?? (name.includes('_') ? reserved.get(name.replaceAll('_', '-')) : undefined);
        if (action === 'refuse') refuseOverride(name);
        if (action === 'drop') delete headers[name];
      }

      if (dropCookies.size > 0 && headers.cookie !== undefined) {
        const cookie = withoutCookies(headers.cookie, dropCookies);
        if (cookie === undefined) delete headers.cookie;
        else headers.cookie = cookie;
      }

      const connection = headers.connection;
      const named = typeof connection === 'string' ? connection.toLowerCase().split(',').map((s) => s.trim()) : [];
      for (const name of named) if (!(upgrade && name === 'upgrade')) delete headers[name];
      for (const name of HOP_BY_HOP) if (!(upgrade && (name === 'upgrade' || name === 'connection'))) delete headers[name];
      if (upgrade) headers.connection = 'upgrade';

      headers['x-forwarded-for'] = priorFor ? `${priorFor}, ${peer}` : peer;
      headers['x-forwarded-proto'] = config.publicProtocol;
      if (host !== undefined) headers['x-forwarded-host'] = host;
      if (principal) {
        const [user, client, scope] = identity as [string, string, string];
        if (principal.username !== null) headers[user] = principal.username;
        const clientRef = principal.clientId ?? principal.credentialId;
        if (clientRef !== null) headers[client] = clientRef;
        headers[scope] = principal.scope;
      }
      for (const [name, value] of extra) headers[name] = value;
    },
  };
}
