/**
 * Headers the upstream receives: identity set by us, credentials and spoofed copies gone,
 * hop-by-hop headers consumed here (RFC 9110 §7.6.1), X-Forwarded-* ours.
 */
import t from 'tap';
import { request } from 'undici';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

t.test('identity headers replace anything the client sent', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret, record } = await gw.addAppPassword('alice', 'Photos webdav');

  // Raw, because HTTP clients refuse to send some of these (a Connection header naming others).
  const res = await rawRequest(gw.url, 'GET /originals/x.jpg HTTP/1.1', [
    `Authorization: ${basic('alice', secret)}`,
    'X-Forwarded-User: root',
    'X_Forwarded_User: root',
    'X-Forwarded-Scope: *',
    'X-Forwarded-Client: evil',
    'X_Auth_Token: smuggled',
    'X-Session_ID: smuggled',
    'X-Forwarded-For: 10.0.0.1',
    'Forwarded: for=10.0.0.1',
    'X-Real-IP: 10.0.0.1',
    'Connection: keep-alive, x-custom-hop',
    'X-Custom-Hop: gone',
    'X-Kept: kept',
    'Proxy-Authorization: Basic Zm9vOmJhcg==',
  ]);
  t.equal(res.status, 200);
  const seen = upstream.last()!;
  const h = seen.headers;
  t.equal(h['x-forwarded-user'], 'alice');
  t.equal(h['x-forwarded-scope'], record.scope);
  t.equal(h['x-forwarded-client'], record.id);
  t.equal(h['x-forwarded-for'], '127.0.0.1', 'client X-Forwarded-For is not trusted by default');
  t.equal(h['x-forwarded-proto'], 'http');
  t.equal(h['x-kept'], 'kept');
  for (const name of ['authorization', 'x-auth-token', 'x-session-id', 'x_auth_token', 'x-session_id', 'x_forwarded_user', 'forwarded', 'x-real-ip', 'x-custom-hop', 'proxy-authorization']) {
    t.notOk(name in h, `${name} removed`);
  }
  const raw = seen.rawHeaders.join('\n');
  t.notMatch(raw, secret, 'the app password never reaches the upstream');
  t.notMatch(raw, /root|evil|smuggled/, 'no spoofed value reaches the upstream');
});

t.test('a Connection header cannot strip our identity headers', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const { secret } = await gw.addAccessToken('photos');
  const res = await rawRequest(gw.url, 'GET /api/v1/photos HTTP/1.1', [
    `Authorization: Bearer ${secret}`,
    'Connection: x-forwarded-scope, x-forwarded-client',
  ]);
  t.equal(res.status, 200);
  t.equal(upstream.last()?.headers['x-forwarded-scope'], 'photos');
  t.ok(upstream.last()?.headers['x-forwarded-client']);
});

t.test('hop-by-hop response headers of the upstream are not passed on', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const { secret } = await gw.addAccessToken('photos');
  const res = await request(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${secret}` } });
  await res.body.text();
  t.equal(res.headers['x-upstream'], 'echo');
  t.notOk(res.headers['keep-alive'], 'Keep-Alive of the upstream connection removed');
});

t.test('trusted proxies extend X-Forwarded-For; configured upstream headers are sent', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, {
    upstream: upstream.url,
    config: { trustedProxies: ['127.0.0.1'], upstream: { headers: { 'X-Auth-Token': 'upstream-own-token' } } as never, identityHeaders: { user: 'Remote-User' } as never },
  });
  await gw.addUser('carol', 'carol-password', { role: 'admin' });
  const res = await request(`${gw.url}/api/v1/photos`, {
    headers: { authorization: basic('carol', 'carol-password'), 'x-forwarded-for': '203.0.113.9', 'remote-user': 'mallory' },
  });
  await res.body.text();
  const h = upstream.last()!.headers;
  t.equal(h['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
  t.equal(h['x-auth-token'], 'upstream-own-token', 'the upstream gets its own credential, not the client\'s');
  t.equal(h['remote-user'], 'carol', 'identity header name is configurable and spoofing is dropped');
});

t.test('a client that asks to close gets Connection: close, one that does not keeps its connection', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const { secret } = await gw.addAccessToken('photos');
  const closing = await rawRequest(gw.url, 'GET /api/v1/photos HTTP/1.1', [`Authorization: Bearer ${secret}`]);
  t.equal(closing.status, 200);
  t.equal(closing.headers.connection, 'close', 'the client asked to close (raw requests send Connection: close)');
  const res = await request(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${secret}` } });
  await res.body.text();
  t.equal(res.headers.connection, 'keep-alive');
});
