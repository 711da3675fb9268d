/**
 * PhotoPrism's live updates (`/api/v1/ws`) through photogate (PRODUCT.md "PhotoPrism web UI",
 * photoprism-web-ui.md §4 F), with the `ws` client standing in for the browser: the socket is
 * authenticated by the first message's `session`, every client message reaches the upstream with
 * the upstream credential in place of photogate's token, a socket without a valid session is
 * closed, revoking the session closes both sockets, and header-authenticated sockets are
 * proxied as before.
 */
import { once } from 'node:events';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { startFakePhotoPrism } from '../helpers/fake-photoprism.js';
import { startTestGateway } from '../helpers/test-gateway.js';
import { within } from '../helpers/within.js';

const credential = 'upstream-app-password-0123456789';

async function setUp(t: Test) {
  const upstream = await startFakePhotoPrism(t, credential);
  const gw = await startTestGateway(t, {
    upstream: upstream.url,
    config: { upstream: { headers: { 'X-Auth-Token': credential } }, limits: { webSocketSessionTimeoutMs: 300 } } as never,
  });
  await gw.addUser('alice', 'correct horse', { role: 'user' });
  const res = await fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse' }) });
  const token = String(((await res.json()) as { access_token: string }).access_token);
  return { upstream, gw, token };
}

function connect(t: Test, url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/ws`, { headers });
  const received: string[] = [];
  ws.on('message', (data) => received.push(String(data)));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  t.teardown(() => {
    if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
  });
  return { ws, received, closed };
}

const clientInfo = (session: string) => JSON.stringify({ session, cssUri: '/static/build/app.css', jsUri: '/static/build/app.js', version: 'test' });

t.test('a browser socket: session from the first message, upstream credential in every message', async (t) => {
  const { upstream, gw, token } = await setUp(t);
  const { ws, received } = connect(t, gw.url);
  await once(ws, 'open');
  ws.send(clientInfo(token));
  await within(3000, () => received.length === 1);
  ws.send(clientInfo(token));
  ws.send('{"event":"ping"}');
  await within(3000, () => received.length === 3);
  t.equal(upstream.wsMessages.length, 3);
  for (const message of upstream.wsMessages) t.notMatch(message, token, 'photogate\'s token never reaches the upstream');
  t.equal(JSON.parse(upstream.wsMessages[0] as string).session, credential, 'first message: the upstream credential');
  t.equal(JSON.parse(upstream.wsMessages[1] as string).session, credential, 'every later one too');
  t.equal(JSON.parse(upstream.wsMessages[0] as string).cssUri, '/static/build/app.css', 'the rest unchanged');
  t.equal(upstream.wsMessages[2], '{"event":"ping"}');
  t.equal(JSON.parse(received[0] as string).seen, upstream.wsMessages[0], 'upstream messages are relayed to the browser');
  const handshake = upstream.wsUpgrades[0] ?? {};
  t.equal(handshake['x-auth-token'], credential, 'the upstream handshake carries the upstream credential');
  t.equal(handshake['x-forwarded-user'], 'alice');
});

t.test('no valid session: closed, and nothing reaches the upstream', async (t) => {
  const { upstream, gw } = await setUp(t);
  const silent = connect(t, gw.url);
  await once(silent.ws, 'open');
  silent.ws.send('{"hello":"no session"}');
  t.equal(await silent.closed, 1008, 'no session within the time: closed');
  const wrong = connect(t, gw.url);
  await once(wrong.ws, 'open');
  wrong.ws.send(clientInfo('f'.repeat(48)));
  t.equal(await wrong.closed, 1008, 'an invalid session: closed');
  t.equal(upstream.wsUpgrades.length, 0);
  t.equal(upstream.wsMessages.length, 0);
});

t.test('revoking the session closes both sockets', async (t) => {
  const { upstream, gw, token } = await setUp(t);
  const { ws, received, closed } = connect(t, gw.url);
  await once(ws, 'open');
  ws.send(clientInfo(token));
  await within(3000, () => received.length === 1);
  t.equal(upstream.openSockets(), 1);
  t.equal((await fetch(`${gw.url}/api/v1/session`, { method: 'DELETE', headers: { 'x-auth-token': token } })).status, 200);
  t.equal(await closed, 1008, 'the browser socket is closed');
  await within(3000, () => upstream.openSockets() === 0);
  t.pass('and the upstream socket');
});

t.test('a header-authenticated socket is proxied as before', async (t) => {
  const { upstream, gw, token } = await setUp(t);
  const { ws, received } = connect(t, gw.url, { 'x-auth-token': token });
  await once(ws, 'open');
  ws.send('{"event":"ping"}');
  await within(3000, () => received.length === 1);
  t.equal(upstream.wsMessages[0], '{"event":"ping"}');
  t.equal(upstream.wsUpgrades[0]?.['x-auth-token'], credential, 'the client\'s credential replaced by the upstream one');
  const refused = connect(t, gw.url, { 'x-auth-token': 'f'.repeat(48) });
  const status = await new Promise<number>((resolve) => refused.ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  t.equal(status, 401, 'a bad header credential is refused at the upgrade');
});
