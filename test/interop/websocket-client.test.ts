/**
 * A real WebSocket client (Node's global WebSocket, undici's RFC 6455 implementation) through a
 * `photogate start` process to an upstream WebSocket on `/api/v1/ws` (built-in rule: any valid
 * credential). With a token the upgrade succeeds and messages flow both ways, the token never
 * reaching the upstream; with a wrong one the upgrade is refused with 401. Without any, the
 * socket opens (a browser cannot send a header; PhotoPrism's UI sends its token in the first
 * message, src/photoprism/websocket-relay.ts) and is closed with 1008 when that message holds
 * no valid session. Neither reaches the upstream.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import t from 'tap';
import { startInteropGateway } from './helpers/interop-gateway.js';
import { startWebSocketEchoUpstream } from './helpers/websocket-echo-upstream.js';

t.setTimeout(60_000);

/** Opens a WebSocket with `headers` (undici's extension to the WHATWG constructor); resolves once open or failed. */
function openWebSocket(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; opened: boolean }> {
  const ws = new WebSocket(url, { headers } as unknown as string[]);
  ws.binaryType = 'arraybuffer';
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.close();
      resolve({ ws, opened: false });
    }, 10_000);
    ws.addEventListener('open', () => {
      clearTimeout(timer);
      resolve({ ws, opened: true });
    });
    ws.addEventListener('close', () => {
      clearTimeout(timer);
      resolve({ ws, opened: false });
    });
  });
}

function nextMessage(ws: WebSocket): Promise<string | ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 5 s')), 5_000);
    ws.addEventListener('message', (event) => {
      clearTimeout(timer);
      resolve(event.data as string | ArrayBuffer);
    }, { once: true });
  });
}

/** The status the gateway answers to an upgrade request, seen with a plain HTTP client. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<{ status: number; body: string; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
      timeout: 5_000,
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '', challenge: undefined });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, challenge: res.headers['www-authenticate'] }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

t.test('a WebSocket client through photogate: with a token it talks, without one it is refused', async (t) => {
  const dir = t.testdir({ gateway: {} });
  const upstream = await startWebSocketEchoUpstream(t);
  const gw = await startInteropGateway(t, { upstream: upstream.url, dir: join(dir, 'gateway'), routes: 'builtin' });
  const token = (await gw.cli<{ token: string }>(['auth', 'add', '-n', 'websocket', '-s', 'photos'])).token;
  const wsUrl = `${gw.url.replace(/^http/, 'ws')}/api/v1/ws`;

  for (const [name, headers] of [
    ['Bearer', { authorization: `Bearer ${token}` }],
    ['X-Auth-Token', { 'x-auth-token': token }],
  ] as const) {
    const { ws, opened } = await openWebSocket(wsUrl, headers);
    t.ok(opened, `${name}: the WebSocket opens through the gateway`);
    if (!opened) continue;
    const text = nextMessage(ws);
    ws.send(`hello through photogate (${name}) ✓`);
    t.equal(await text, `hello through photogate (${name}) ✓`, `${name}: a text message comes back`);
    const binary = nextMessage(ws);
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    ws.send(bytes);
    t.same(new Uint8Array((await binary) as ArrayBuffer), bytes, `${name}: a 70 kB binary message comes back intact`);
    const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener('close', resolve, { once: true }));
    ws.close(1000, 'done');
    t.equal((await closed).code, 1000, `${name}: the close handshake completes`);
    const seen = upstream.upgrades.at(-1);
    t.equal(seen?.url, '/api/v1/ws', `${name}: the upstream got the upgrade on the same path`);
    t.notOk(seen?.headers.authorization ?? seen?.headers['x-auth-token'], `${name}: without the token`);
    t.equal(seen?.headers['x-forwarded-scope'], 'photos', `${name}: with the identity headers`);
  }

  const before = upstream.upgrades.length;
  {
    const { ws, opened } = await openWebSocket(wsUrl, {});
    t.ok(opened, 'no token: the socket opens, waiting for the first message (browsers send no header)');
    const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener('close', resolve, { once: true }));
    ws.send(JSON.stringify({ session: '0'.repeat(48) }));
    t.equal((await closed).code, 1008, 'no token: a first message without a valid session closes it (1008, policy)');
  }
  for (const [name, headers] of [
    ['a wrong token', { authorization: `Bearer ${'0'.repeat(48)}` }],
    ['a wrong X-Auth-Token', { 'x-auth-token': `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}` }],
  ] as const) {
    const { opened } = await openWebSocket(wsUrl, headers);
    t.notOk(opened, `${name}: the WebSocket client cannot open`);
    const refused = await upgradeStatus(`${gw.url}/api/v1/ws`, headers);
    t.equal(refused.status, 401, `${name}: the upgrade is answered 401`);
    t.match(refused.challenge, /^Bearer/, `${name}: with a Bearer challenge`);
    t.match(JSON.parse(refused.body), { error: String }, `${name}: and the JSON error shape`);
  }
  t.equal(upstream.upgrades.length, before, 'refused upgrades never reached the upstream');
});
