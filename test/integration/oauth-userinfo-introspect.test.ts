/**
 * Userinfo (OIDC Core §5.3) for tokens that belong to a user, with RFC 6750 §3 errors; and
 * RFC 7662 introspection for authenticated clients: own tokens, every token for an admin-role
 * client, refresh tokens for their own client only, `{"active": false}` for everything else.
 */
import t from 'tap';
import { issueCredential } from '../../src/credentials/issue-credential.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { basic, startSession, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const basicClient = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function userinfo(gw: TestGateway, headers: Record<string, string>, method = 'GET') {
  const res = await fetch(`${gw.url}/api/v1/oauth/userinfo`, { method, headers });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

async function introspect(gw: TestGateway, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/api/v1/oauth/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

async function clientToken(gw: TestGateway, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${gw.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicClient(clientId, secret) },
    body: 'grant_type=client_credentials',
  });
  return String(((await res.json()) as { access_token: string }).access_token);
}


t.test('userinfo describes the user of a session, app password or user access token', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse', { role: 'admin' });
  const session = await startSession(gw, 'alice', 'correct horse');
  const app = await gw.addAppPassword('alice', 'photos');
  const userToken = await gw.addAccessToken('metrics', { username: 'alice' });
  const expected = { sub: 'alice', preferred_username: 'alice', name: 'alice', role: 'admin' };
  for (const [name, headers, method] of [
    ['session in X-Auth-Token', { 'x-auth-token': session }, 'GET'],
    ['session as Bearer, POST', { authorization: `Bearer ${session}` }, 'POST'],
    ['app password as Bearer', { authorization: `Bearer ${app.secret}` }, 'GET'],
    ['user access token', { authorization: `Bearer ${userToken.secret}` }, 'POST'],
  ] as const) {
    const { res, json } = await userinfo(gw, headers, method);
    t.equal(res.status, 200, `${name}: 200`);
    t.same(json, expected, `${name}: claims`);
    t.equal(res.headers.get('cache-control'), 'no-store');
  }
});

t.test('userinfo refuses per RFC 6750 §3', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  const noUser = await gw.addAccessToken('*');
  const client = await gw.addClient();
  const ofClient = await clientToken(gw, client.clientId, client.secret);
  const revoked = await gw.addAppPassword('alice', '*');
  await gw.store.removeToken(revoked.record.id);

  const none = await userinfo(gw, {});
  t.equal(none.res.status, 401);
  t.equal(none.res.headers.get('www-authenticate'), 'Bearer realm="photogate"', 'no error code without a token');
  for (const [name, headers] of [
    ['access token without a user', { authorization: `Bearer ${noUser.secret}` }],
    ['client token', { authorization: `Bearer ${ofClient}` }],
    ['revoked app password', { authorization: `Bearer ${revoked.secret}` }],
    ['unknown token', { 'x-auth-token': 'a'.repeat(48) }],
    ['Basic password', { authorization: basic('alice', 'correct horse') }],
  ] as const) {
    const { res, json } = await userinfo(gw, headers);
    t.equal(res.status, 401, `${name}: 401`);
    t.equal(json.error, 'invalid_token', `${name}: invalid_token`);
    t.equal(res.headers.get('www-authenticate'), 'Bearer realm="photogate", error="invalid_token"', `${name}: challenge`);
  }
  const two = await userinfo(gw, { authorization: `Bearer ${noUser.secret}`, 'x-auth-token': noUser.secret });
  t.equal(two.res.status, 400, 'two credentials');
  t.equal(two.json.error, 'invalid_request');
});

t.test('introspection: own tokens, admin clients, and nothing else', async (t) => {
  const upstream = await startEchoUpstream(t);
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock });
  await gw.addUser('alice', 'correct horse');
  const a = await gw.addClient({ scope: 'metrics photos', tokenTtlSeconds: 600 });
  const b = await gw.addClient();
  const admin = await gw.addClient({ role: 'admin' });
  const asA = { authorization: basicClient(a.clientId, a.secret) };
  const asB = { authorization: basicClient(b.clientId, b.secret) };
  const asAdmin = { authorization: basicClient(admin.clientId, admin.secret) };
  const token = await clientToken(gw, a.clientId, a.secret);
  const now = Math.floor(clock.nowMs() / 1000);

  const own = await introspect(gw, { token, token_type_hint: 'refresh_token' }, asA);
  t.equal(own.res.status, 200);
  t.equal(own.res.headers.get('cache-control'), 'no-store');
  t.same(own.json, { active: true, scope: 'metrics photos', client_id: a.clientId, token_type: 'Bearer', exp: now + 600, iat: now }, 'the hint is only a hint');
  const post = await introspect(gw, { token, client_id: a.clientId, client_secret: a.secret });
  t.equal(post.json.active, true, 'client_secret_post works too');
  t.same((await introspect(gw, { token }, asB)).json, { active: false }, 'another client sees nothing');
  t.equal((await introspect(gw, { token }, asAdmin)).json.active, true, 'an admin client sees every token');

  const session = await startSession(gw, 'alice', 'correct horse');
  const app = await gw.addAppPassword('alice', 'webdav');
  const sessionView = await introspect(gw, { token: session }, asAdmin);
  t.match(sessionView.json, { active: true, scope: '*', username: 'alice', sub: 'alice', token_type: 'Bearer' });
  t.notOk('client_id' in sessionView.json, 'no client_id for a token without a client');
  t.same((await introspect(gw, { token: app.secret }, asAdmin)).json, { active: true, scope: 'webdav', username: 'alice', token_type: 'Bearer', iat: now, sub: 'alice' }, 'no exp when it never expires');
  t.same((await introspect(gw, { token: session }, asA)).json, { active: false }, 'sessions only for admin clients');
  t.same((await introspect(gw, { token: app.secret }, asA)).json, { active: false });
  t.same((await introspect(gw, { token: 'no such token' }, asAdmin)).json, { active: false }, 'unknown');

  await gw.store.removeToken(app.record.id);
  t.same((await introspect(gw, { token: app.secret }, asAdmin)).json, { active: false }, 'revoked');
  clock.advance(600_000);
  t.same((await introspect(gw, { token }, asA)).json, { active: false }, 'expired');
  t.same((await introspect(gw, { token }, asAdmin)).json, { active: false }, 'expired, for admins too');
});

t.test('introspection of refresh tokens: their own client only, and not once rotated', async (t) => {
  const upstream = await startEchoUpstream(t);
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock, config: { oauth: { refreshGraceSeconds: 10 } } });
  await gw.addUser('alice', 'correct horse');
  const a = await gw.addClient();
  const admin = await gw.addClient({ role: 'admin' });
  const refresh = await issueCredential(gw.store, clock, {
    kind: 'refresh_token', name: 'test', username: 'alice', clientId: a.clientId, scope: 'photos', grantType: 'authorization_code', ttlSeconds: 3600,
  });
  const asA = { authorization: basicClient(a.clientId, a.secret) };
  const own = await introspect(gw, { token: refresh.secret }, asA);
  t.match(own.json, { active: true, token_type: 'refresh_token', client_id: a.clientId, username: 'alice', scope: 'photos' });
  t.same((await introspect(gw, { token: refresh.secret }, { authorization: basicClient(admin.clientId, admin.secret) })).json, { active: false }, 'not even an admin client sees another client\'s refresh token');
  await gw.store.markTokenUsed(refresh.record.id, Math.floor(clock.nowMs() / 1000));
  t.equal((await introspect(gw, { token: refresh.secret }, asA)).json.active, true, 'within the grace window');
  clock.advance(11_000);
  t.same((await introspect(gw, { token: refresh.secret }, asA)).json, { active: false }, 'rotated and past the grace window');
});

t.test('introspection needs client authentication', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const a = await gw.addClient();
  const disabled = await gw.addClient({ enabled: false });
  const token = await clientToken(gw, a.clientId, a.secret);
  const publicClient = await gw.addClient({ secretDigest: null });

  const none = await introspect(gw, { token });
  t.equal(none.res.status, 401);
  t.equal(none.json.error, 'invalid_client');
  t.match(none.res.headers.get('www-authenticate'), /^Basic /);
  for (const [name, fields, headers] of [
    ['wrong secret', { token }, { authorization: basicClient(a.clientId, 'wrong') }],
    ['unknown client', { token, client_id: 'cnobody', client_secret: a.secret }, {}],
    ['disabled client', { token }, { authorization: basicClient(disabled.clientId, disabled.secret) }],
    ['public client, id only', { token, client_id: publicClient.clientId }, {}],
    ['a bearer token is no client authentication', { token }, { authorization: `Bearer ${token}` }],
  ] as const) {
    const { res, json } = await introspect(gw, fields, headers);
    t.equal(res.status, 401, `${name}: 401`);
    t.equal(json.error, 'invalid_client', `${name}: invalid_client`);
  }
  const missing = await introspect(gw, {}, { authorization: basicClient(a.clientId, a.secret) });
  t.equal(missing.res.status, 400);
  t.equal(missing.json.error, 'invalid_request');
  const get = await fetch(`${gw.url}/api/v1/oauth/introspect`);
  t.equal(get.status, 405);
});

t.test('discovery advertises introspection and userinfo', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { publicUrl: 'https://photos.example.org' } });
  const oauth = (await (await fetch(`${gw.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
  t.equal(oauth.introspection_endpoint, 'https://photos.example.org/api/v1/oauth/introspect');
  t.same(oauth.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
  const openid = (await (await fetch(`${gw.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  t.equal(openid.userinfo_endpoint, 'https://photos.example.org/api/v1/oauth/userinfo');
});

t.test('userinfo claims follow OpenID scopes when the token has them', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('carol', 'carol-password', { role: 'admin' });
  const claims = async (scope: string) => {
    const { secret } = await gw.addAccessToken(scope, { username: 'carol' });
    const res = await fetch(`${gw.url}/api/v1/oauth/userinfo`, { headers: { authorization: `Bearer ${secret}` } });
    return res.json();
  };
  t.same(await claims('photos'), { sub: 'carol', preferred_username: 'carol', name: 'carol', role: 'admin' }, 'photogate scopes: every claim');
  // OIDC Core §5.3: with openid, `sub` is the stable subject of the ID tokens, not the username.
  const sub = (await gw.store.findUser('carol'))?.id;
  t.match(sub, /^u[0-9a-f]{24}$/, 'users get a stable id');
  t.same(await claims('openid photos'), { sub }, 'openid without profile: sub only');
  t.same(await claims('openid profile'), { sub, preferred_username: 'carol', name: 'carol' }, 'openid profile');
  await gw.store.updateUser('carol', { name: 'Carol Example', email: 'carol@example.org' }, 1);
  t.same(await claims('openid profile email'), { sub, preferred_username: 'carol', name: 'Carol Example', email: 'carol@example.org', email_verified: false }, 'openid profile email');
  t.same(await claims('openid email photos'), { sub, email: 'carol@example.org', email_verified: false }, 'openid email');
});
