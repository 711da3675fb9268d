/**
 * A stand-in for PhotoPrism, in photogate's own words (never PhotoPrism's AGPL code): it answers
 * the shapes photoprism-web-ui.md §1–2 recorded, checks the upstream credential photogate sends
 * (`X-Auth-Token: <credential>`), and records what it received, so tests see what reached it.
 *
 * - `/library/*`, `/manifest.json`, `/sw.js`, `/favicon.ico`, `/robots.txt`: the web UI shell,
 *   public, as PhotoPrism serves it whatever the token.
 * - `GET /api/v1/session`: the upstream session answer, which echoes the credential in `id`,
 *   `access_token` and `session_id` (the leak photogate must strip), with `user` and `config`.
 * - `GET /api/v1/config`, `/api/v1/photos`: need the credential; 401 without it.
 * - Anything else: 200 `{ path }` (so a test sees a forwarded account path reach it).
 * - `rejectCredential = true` makes it answer 401 to everything that needs the credential (the
 *   admin's upstream app password revoked).
 * - `/api/v1/ws`: a WebSocket that records every text message it receives and answers each with
 *   `{"seen": <message>}`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { WebSocketServer, type WebSocket } from 'ws';

export const upstreamUser = {
  ID: 2,
  UID: 'uqxetse3cy5eo9z2',
  Name: 'admin',
  DisplayName: 'Upstream Admin',
  Role: 'admin',
  SuperAdmin: true,
  CanLogin: true,
  WebDAV: true,
  AuthProvider: 'local',
  AuthMethod: 'default',
  Thumb: '',
  Settings: { UITheme: 'default' },
  Details: { BirthYear: -1 },
};

export const upstreamConfig = {
  previewToken: 'prevtok1',
  downloadToken: 'dltok123',
  loginUri: '/library/login',
  acl: { photos: { access_library: true } },
};

export interface FakePhotoPrism {
  url: string;
  seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
  /** Text messages the upstream WebSocket received. */
  wsMessages: string[];
  /** Upgrade requests the upstream WebSocket accepted. */
  wsUpgrades: IncomingHttpHeaders[];
  rejectCredential: boolean;
  /** How many upstream sockets are open now. */
  openSockets(): number;
}

const shell = new Set(['/manifest.json', '/sw.js', '/favicon.ico', '/robots.txt']);

export async function startFakePhotoPrism(t: Test, credential: string): Promise<FakePhotoPrism> {
  const fake: FakePhotoPrism = { url: '', seen: [], wsMessages: [], wsUpgrades: [], rejectCredential: false, openSockets: () => sockets.size };
  const sockets = new Set<WebSocket>();
  const authorized = (headers: IncomingHttpHeaders) => !fake.rejectCredential && headers['x-auth-token'] === credential;
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    const path = url.split('?')[0] ?? '';
    fake.seen.push({ method: req.method ?? '', url, headers: req.headers });
    req.resume();
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (path.startsWith('/library') || shell.has(path)) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><script>window.__CONFIG__ = ${JSON.stringify({ loginUri: '/library/login', previewToken: 'public' })}</script></html>`);
      return;
    }
    const needsCredential = path === '/api/v1/session' || path === '/api/v1/config' || path.startsWith('/api/v1/photos');
    if (needsCredential && !authorized(req.headers)) {
      json(401, { error: 'Unauthorized', code: 401 });
      return;
    }
    if (path === '/api/v1/session') {
      // Pessimistic: the credential also inside `user` and `config`, to prove photogate scrubs it.
      const leaky = { user: { ...upstreamUser, Details: { ...upstreamUser.Details, Token: credential } }, config: { ...upstreamConfig, authToken: `Bearer ${credential}` } };
      json(200, { id: credential, access_token: credential, session_id: credential, token_type: 'Bearer', provider: 'application', status: 'success', ...leaky, data: { tokens: [], shares: [] } });
      return;
    }
    if (path === '/api/v1/config') {
      json(200, upstreamConfig);
      return;
    }
    if (path.startsWith('/api/v1/photos')) {
      json(200, [], { 'x-preview-token': upstreamConfig.previewToken, 'x-download-token': upstreamConfig.downloadToken });
      return;
    }
    json(200, { path });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    fake.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    wss.handleUpgrade(req, socket, head, (ws) => {
      fake.wsUpgrades.push(req.headers);
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = String(data);
        fake.wsMessages.push(text);
        ws.send(JSON.stringify({ seen: text }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const ws of sockets) ws.terminate();
    wss.close();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
