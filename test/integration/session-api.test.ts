/**
 * The session API (PRODUCT.md "session API", seeds: 003): POST logs in with a password or an app
 * password that allows `sessions`; GET describes and DELETE ends the session of the token sent.
 * Access tokens and client credentials never create sessions, a failed login never tells whether
 * the user exists, failures are rate limited, and nothing secret is stored or shown as an id.
 */
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

const sessionPath = '/api/v1/session';
/** What PhotoPrism's web UI reads (photoprism-web-ui.test.ts covers the upstream parts). */
const aliceInPhotoPrismTerms = { Name: 'alice', DisplayName: 'alice', Role: 'user', SuperAdmin: false, CanLogin: true, WebDAV: false, AuthProvider: 'local', AuthMethod: 'default' };

async function login(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${sessionPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

async function call(url: string, method: 'GET' | 'DELETE', headers: Record<string, string>) {
  const res = await fetch(`${url}${sessionPath}`, { method, headers });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

t.test('a password login creates a session that GET describes and DELETE ends', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, clock: manualClock(Date.now()) });
  await gw.addUser('alice', 'correct horse', { role: 'user' });

  const { res, json } = await login(gw.url, { username: 'alice', password: 'correct horse' });
  t.equal(res.status, 200);
  t.equal(res.headers.get('cache-control'), 'no-store');
  t.match(json.access_token, /^[0-9a-f]{48}$/);
  t.equal(json.token_type, 'Bearer');
  t.equal(json.expires_in, 1_209_600, 'tokens.sessionTtlSeconds');
  t.match(json.session_id, /^sess[a-z0-9]{8}$/, 'the public reference id');
  t.equal(json.scope, '*');
  t.same(json.user, { ...aliceInPhotoPrismTerms, username: 'alice', role: 'user' });
  t.same(Object.keys(json), ['access_token', 'token_type', 'expires_in', 'session_id', 'scope', 'user', 'provider']);
  const token = String(json.access_token);
  const record = (await gw.store.listTokens()).find((x) => x.id === json.session_id);
  t.equal(record?.kind, 'session');
  t.equal(record?.username, 'alice');
  t.not(json.session_id, record?.digest, 'never the digest');

  const photos = await fetch(`${gw.url}/api/v1/photos`, { headers: { 'x-auth-token': token } });
  t.equal(photos.status, 200, 'the session token works through the proxy');
  t.equal(upstream.last()?.headers['x-forwarded-user'], 'alice');

  const both: Record<string, string>[] = [{ 'x-auth-token': token }, { authorization: `Bearer ${token}` }];
  for (const headers of both) {
    const got = await call(gw.url, 'GET', headers);
    t.equal(got.res.status, 200);
    t.same(got.json, { expires_in: 1_209_600, session_id: json.session_id, scope: '*', user: { ...aliceInPhotoPrismTerms, username: 'alice', role: 'user' }, provider: 'local' });
  }

  const deleted = await call(gw.url, 'DELETE', { 'x-auth-token': token });
  t.equal(deleted.res.status, 200);
  t.same(deleted.json, { status: 'deleted', session_id: json.session_id });
  const after = await call(gw.url, 'GET', { 'x-auth-token': token });
  t.equal(after.res.status, 401, 'a deleted session is refused at once');
  t.equal(after.json.error, 'invalid_token');
  const proxied = await fetch(`${gw.url}/api/v1/photos`, { headers: { 'x-auth-token': token } });
  t.equal(proxied.status, 401, 'and by the proxy, although it was cached');
  t.equal((await call(gw.url, 'DELETE', { 'x-auth-token': token })).res.status, 401, 'deleting twice');
});

t.test('an app password logs in only when its scope allows sessions', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, clock: manualClock(Date.now()) });
  await gw.addUser('alice', 'correct horse', { role: 'admin' });
  const narrow = await gw.addAppPassword('alice', 'photos sessions', { ttlSeconds: 600 });
  const all = await gw.addAppPassword('alice', '*');
  const webdavOnly = await gw.addAppPassword('alice', 'webdav');
  const readOnly = await gw.addAppPassword('alice', 'sessions read');

  const viaNarrow = await login(gw.url, { username: 'alice', password: narrow.secret });
  t.equal(viaNarrow.res.status, 200);
  t.equal(viaNarrow.json.scope, 'photos sessions', 'the app password\'s scope');
  t.equal(viaNarrow.json.expires_in, 600, 'never outlives the app password');
  t.match(viaNarrow.json.user, { username: 'alice', role: 'admin', Name: 'alice', Role: 'admin' });
  t.equal(viaNarrow.json.provider, 'application');
  const albums = await fetch(`${gw.url}/api/v1/albums`, { headers: { 'x-auth-token': String(viaNarrow.json.access_token) } });
  t.equal(albums.status, 403, 'the session is limited to that scope');

  const viaAll = await login(gw.url, { username: 'alice', password: all.secret });
  t.equal(viaAll.res.status, 200);
  t.equal(viaAll.json.scope, '*');
  t.equal(viaAll.json.expires_in, 1_209_600);

  const wrong = await login(gw.url, { username: 'alice', password: 'wrong' });
  for (const [name, secret] of [['webdav only', webdavOnly.secret], ['read only', readOnly.secret]] as const) {
    const refused = await login(gw.url, { username: 'alice', password: secret });
    t.equal(refused.res.status, 401, `${name}: refused`);
    t.same(refused.json, wrong.json, `${name}: like a wrong password`);
  }
});

t.test('failed logins look alike; tokens and client credentials never create sessions', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  const clientToken = await gw.addAccessToken('*');
  const userToken = await gw.addAccessToken('*', { username: 'alice' });
  const client = await gw.addClient({ username: 'alice' });

  const wrongPassword = await login(gw.url, { username: 'alice', password: 'wrong horse' });
  t.equal(wrongPassword.res.status, 401);
  t.equal(wrongPassword.json.error, 'invalid_grant');
  t.match(wrongPassword.res.headers.get('www-authenticate'), /^Bearer /, 'a 401 names a scheme');
  const cases = [
    { name: 'unknown user', body: { username: 'mallory', password: 'wrong horse' } },
    { name: 'access token without a user as the password', body: { username: 'alice', password: clientToken.secret } },
    { name: 'access token of the user as the password', body: { username: 'alice', password: userToken.secret } },
    { name: 'client id and secret', body: { username: client.clientId, password: client.secret } },
  ];
  for (const c of cases) {
    const { res, json } = await login(gw.url, c.body);
    t.equal(res.status, 401, `${c.name}: 401`);
    t.same(json, wrongPassword.json, `${c.name}: the same answer as a wrong password`);
  }

  const bearerOnly = await login(gw.url, {}, { authorization: `Bearer ${clientToken.secret}` });
  t.equal(bearerOnly.res.status, 400, 'a token in the header is no login');
  t.equal(bearerOnly.json.error, 'invalid_request');
  const basicClient = await login(gw.url, {}, { authorization: basic(client.clientId, client.secret) });
  t.equal(basicClient.res.status, 400, 'nor are client credentials in the header');
  t.equal((await gw.store.listTokens()).filter((x) => x.kind === 'session').length, 0, 'no session was created');

  for (const [name, headers] of [
    ['access token', { authorization: `Bearer ${clientToken.secret}` }],
    ['user\'s access token', { 'x-auth-token': userToken.secret }],
    ['Basic password', { authorization: basic('alice', 'correct horse') }],
  ] as const) {
    const { res, json } = await call(gw.url, 'GET', headers);
    t.equal(res.status, 401, `GET with ${name}: only session tokens`);
    t.equal(json.error, 'invalid_token');
    t.match(res.headers.get('www-authenticate'), /^Bearer realm="photogate", error="invalid_token"$/);
    t.equal((await call(gw.url, 'DELETE', headers)).res.status, 401, `DELETE with ${name}`);
  }
  t.ok(await gw.store.findToken(userToken.record.id), 'DELETE removed no other token');
  const none = await call(gw.url, 'GET', {});
  t.equal(none.res.status, 401);
  t.equal(none.res.headers.get('www-authenticate'), 'Bearer realm="photogate"', 'no error code without a credential');
});

t.test('bad requests', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  const form = await fetch(`${gw.url}${sessionPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=alice&password=correct+horse',
  });
  t.equal(form.status, 400, 'JSON only');
  t.equal(((await form.json()) as { error: string }).error, 'invalid_request');
  for (const [name, body] of [
    ['not JSON', '{"username":'],
    ['an array', '["alice"]'],
    ['no password', { username: 'alice' }],
    ['empty username', { username: '', password: 'x' }],
    ['an object as password', { username: 'alice', password: { x: 1 } }],
  ] as const) {
    const { res, json } = await login(gw.url, body);
    t.equal(res.status, 400, `${name}: 400`);
    t.equal(json.error, 'invalid_request', `${name}: invalid_request`);
  }
  const put = await fetch(`${gw.url}${sessionPath}`, { method: 'PUT' });
  t.equal(put.status, 405);
  t.equal(put.headers.get('allow'), 'POST, GET, DELETE');
});

t.test('failed logins are rate limited per address', async (t) => {
  const upstream = await startEchoUpstream(t);
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock, config: { rateLimits: { addressFailureBurst: 2 } } });
  await gw.addUser('alice', 'correct horse');
  t.equal((await login(gw.url, { username: 'alice', password: 'x' })).res.status, 401);
  t.equal((await login(gw.url, { username: 'nobody', password: 'x' })).res.status, 401);
  const limited = await login(gw.url, { username: 'alice', password: 'correct horse' });
  t.equal(limited.res.status, 429, 'the burst is spent');
  t.equal(limited.json.error, 'too_many_requests');
  t.equal(limited.res.headers.get('retry-after'), '60');
  clock.advance(60_000);
  t.equal((await login(gw.url, { username: 'alice', password: 'correct horse' })).res.status, 200, 'a minute later');
});

t.test('sessions expire', async (t) => {
  const upstream = await startEchoUpstream(t);
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock, config: { tokens: { sessionTtlSeconds: 60 } } });
  await gw.addUser('alice', 'correct horse');
  const { json } = await login(gw.url, { username: 'alice', password: 'correct horse' });
  t.equal(json.expires_in, 60);
  const headers = { 'x-auth-token': String(json.access_token) };
  clock.advance(30_000);
  t.equal((await call(gw.url, 'GET', headers)).json.expires_in, 30);
  clock.advance(30_000);
  t.equal((await call(gw.url, 'GET', headers)).res.status, 401, 'refused at expiry');
});

t.test('the session API is photogate\'s; the upstream\'s session management is for admins only', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  const { json } = await login(gw.url, { username: 'alice', password: 'correct horse' });
  const headers = { 'x-auth-token': String(json.access_token) };
  const before = upstream.seen.length;
  const byId = await fetch(`${gw.url}${sessionPath}/${String(json.session_id)}`, { headers });
  t.equal(byId.status, 403, 'sub-paths of /api/v1/session are not forwarded');
  t.equal(((await byId.json()) as { error: string }).error, 'access_denied');
  t.equal(upstream.seen.length, before, 'the upstream saw none of the session API');
  t.equal((await fetch(`${gw.url}/api/v1/sessions`, { headers })).status, 403, 'a user role does not reach the shared upstream account\'s sessions');
  t.equal((await fetch(`${gw.url}/api/v1/users/alice/sessions`, { headers })).status, 200, 'photogate\'s account API');
  t.equal(upstream.seen.length, before, 'neither reached the upstream');
  await gw.addUser('root', 'correct horse', { role: 'admin' });
  const admin = await login(gw.url, { username: 'root', password: 'correct horse' });
  t.equal((await fetch(`${gw.url}/api/v1/sessions`, { headers: { 'x-auth-token': String(admin.json.access_token) } })).status, 200);
  t.equal(upstream.last()?.url, '/api/v1/sessions', 'an admin does');
});

t.test('no secret reaches the store file', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  const app = await gw.addAppPassword('alice', 'sessions');
  const byPassword = await login(gw.url, { username: 'alice', password: 'correct horse' });
  const byApp = await login(gw.url, { username: 'alice', password: app.secret });
  const raw = await readFile(gw.storePath, 'utf8');
  for (const secret of [String(byPassword.json.access_token), String(byApp.json.access_token), app.secret, 'correct horse']) {
    t.notOk(raw.includes(secret), 'not stored in clear');
  }
  t.ok(raw.includes(String(byPassword.json.session_id)), 'the reference id is');
});

t.test('revoking an app password ends the sessions opened with it', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const app = await gw.addAppPassword('alice', '*');
  const other = await gw.addAppPassword('alice', '*');
  const opened = await login(gw.url, { username: 'alice', password: app.secret });
  const kept = await login(gw.url, { username: 'alice', password: other.secret });
  const sessionOf = (r: typeof opened) => String((r.json as { access_token: string }).access_token);
  const photos = async (token: string) => (await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${token}` } })).status;
  t.equal(await photos(sessionOf(opened)), 200);
  await gw.store.removeToken(app.record.id);
  t.equal(await photos(sessionOf(opened)), 401, 'the session of the revoked app password ended with it');
  t.equal(await photos(sessionOf(kept)), 200, 'the other app password\'s session lives on');
});
