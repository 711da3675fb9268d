/**
 * The account API and revocation by reference id (PRODUCT.md "account API", "revoke by
 * reference id"), as PhotoPrism's Apps & Devices and password dialogs call them, in front of the
 * fake PhotoPrism: answered by photogate for the caller only, addressed by username or the
 * upstream UID the session answer handed out, never forwarded.
 */
import t, { type Test } from 'tap';
import { startFakePhotoPrism, upstreamUser } from '../helpers/fake-photoprism.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

const credential = 'upstream-app-password-0123456789';
type Json = Record<string, unknown>;

async function call(url: string, method: string, headers: Record<string, string>, body?: Json) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as Json & Json[] };
}

async function setUp(t: Test) {
  const upstream = await startFakePhotoPrism(t, credential);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { upstream: { headers: { 'X-Auth-Token': credential } } } as never });
  await gw.addUser('alice', 'correct horse', { role: 'user' });
  await gw.addUser('bob', 'battery staple', { role: 'admin' });
  const signIn = async (username: string, password: string) => {
    const res = await call(`${gw.url}/api/v1/session`, 'POST', {}, { username, password });
    return { 'x-auth-token': String(res.json.access_token) };
  };
  return { upstream, gw, alice: await signIn('alice', 'correct horse'), bob: await signIn('bob', 'battery staple'), signIn };
}

t.test('Apps & Devices: list by UID or username, create, revoke by reference id', async (t) => {
  const { upstream, gw, alice, bob } = await setUp(t);
  const before = upstream.seen.length;
  const app = await gw.addAppPassword('alice', 'webdav', { ttlSeconds: 3600 });
  await gw.addAppPassword('bob', '*');
  const query = '?provider=application&method=default&count=10000&offset=0&order=client_name';
  const byUid = await call(`${gw.url}/api/v1/users/${upstreamUser.UID}/sessions${query}`, 'GET', alice);
  t.equal(byUid.status, 200);
  t.equal(byUid.json.length, 1, 'only the caller\'s app passwords');
  t.match(byUid.json[0], { ID: app.record.id, ClientName: 'test', AuthScope: 'webdav', LastActive: 0, Expires: app.record.expiresAt });
  const byName = await call(`${gw.url}/api/v1/users/alice/sessions`, 'GET', alice);
  t.same(byName.json, byUid.json);
  t.equal((await call(`${gw.url}/api/v1/users/bob/sessions`, 'GET', alice)).status, 403, 'another user\'s id');
  t.equal((await call(`${gw.url}/api/v1/users/bob/sessions`, 'GET', bob)).json.length, 1);

  const revoke = (headers: Record<string, string>, token: string) => call(`${gw.url}/api/v1/oauth/revoke`, 'POST', headers, { token });
  t.equal((await revoke(bob, app.record.id)).status, 403, 'someone else\'s reference id');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', app.secret) } })).status, 403, 'still valid (403: its scope is webdav only, not 401)');
  t.equal((await revoke(alice, app.record.id)).status, 200);
  t.equal((await gw.store.findToken(app.record.id)), undefined, 'removed');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', app.secret) } })).status, 401, 'refused from now on');
  t.equal((await revoke(alice, 'sessunknown1')).status, 200, 'an unknown id: 200 as RFC 7009 §2.2');
  t.equal(upstream.seen.filter((r) => /users|revoke/.test(r.url)).length, 0, 'none of it reached the upstream');
  t.ok(upstream.seen.length - before <= 2, 'the upstream saw at most the identity lookup and a photo request');
});

t.test('app passwords and client tokens cannot use the account API or revoke by id', async (t) => {
  const { gw, alice } = await setUp(t);
  const app = await gw.addAppPassword('alice', '*');
  const viaApp = await call(`${gw.url}/api/v1/session`, 'POST', {}, { username: 'alice', password: app.secret });
  const appSession = { 'x-auth-token': String(viaApp.json.access_token) };
  const client = await gw.addAccessToken('*', { username: null });
  for (const [name, headers] of [['app password', { authorization: basic('alice', app.secret) }], ['client token', { authorization: `Bearer ${client.secret}` }]] as const) {
    const res = await call(`${gw.url}/api/v1/users/alice/sessions`, 'GET', headers);
    t.ok(res.status === 401 || res.status === 403, `${name}: refused (${res.status})`);
  }
  const target = await gw.addAppPassword('alice', 'photos');
  t.equal((await call(`${gw.url}/api/v1/oauth/revoke`, 'POST', { authorization: `Bearer ${client.secret}` }, { token: target.record.id })).status, 403);
  t.ok(await gw.store.findToken(target.record.id), 'still there');
  t.equal((await call(`${gw.url}/api/v1/users/alice/sessions`, 'GET', appSession)).status, 200, 'a session opened with an app password is a session');
  t.equal((await call(`${gw.url}/api/v1/users/alice/sessions`, 'GET', alice)).status, 200);
  t.equal((await call(`${gw.url}/api/v1/users/alice/sessions`, 'POST', alice)).status, 405);
});

t.test('password change: needs the old password, keeps the caller\'s session, ends the others', async (t) => {
  const { upstream, gw, alice, signIn } = await setUp(t);
  const other = await signIn('alice', 'correct horse');
  const app = await gw.addAppPassword('alice', 'photos');
  const url = `${gw.url}/api/v1/users/${upstreamUser.UID}/password`;
  const wrong = await call(url, 'PUT', alice, { old: 'wrong password', new: 'a new password' });
  t.equal(wrong.status, 400, 'not 401: the UI would sign out');
  t.equal(wrong.json.error, 'invalid_grant');
  t.equal((await call(url, 'PUT', alice, { old: 'correct horse', new: 'short' })).status, 400, 'too short');
  const ok = await call(url, 'PUT', alice, { old: 'correct horse', new: 'a new password' });
  t.equal(ok.status, 200);
  t.equal((await call(`${gw.url}/api/v1/session`, 'GET', alice)).status, 200, 'the caller\'s session stays');
  t.equal((await call(`${gw.url}/api/v1/session`, 'GET', other)).status, 401, 'other sessions end');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', app.secret) } })).status, 200, 'app passwords stay');
  t.equal((await call(`${gw.url}/api/v1/session`, 'POST', {}, { username: 'alice', password: 'correct horse' })).status, 401, 'the old password is gone');
  t.equal((await call(`${gw.url}/api/v1/session`, 'POST', {}, { username: 'alice', password: 'a new password' })).status, 200);
  t.equal(upstream.seen.filter((r) => r.url.includes('/password')).length, 0, 'never forwarded');
});
