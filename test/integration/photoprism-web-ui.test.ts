/**
 * PhotoPrism's own web UI through photogate (PRODUCT.md "PhotoPrism web UI", issue 13), against
 * a fake PhotoPrism (test/helpers/fake-photoprism.ts) that checks the upstream credential:
 * the shell is public, `/` redirects to the sign-in page, `/api/v1/config` stays credentialed,
 * the session answer carries what the UI reads (upstream UID, photogate's name, provider,
 * config) and never the upstream credential, and an upstream 401 to that credential is a 502.
 */
import t, { type Test } from 'tap';
import { startFakePhotoPrism, upstreamConfig, upstreamUser } from '../helpers/fake-photoprism.js';
import { manualClock } from '../helpers/manual-clock.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const credential = 'upstream-app-password-0123456789';

async function setUp(t: Test) {
  const upstream = await startFakePhotoPrism(t, credential);
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock, config: { upstream: { headers: { 'X-Auth-Token': credential } } } as never });
  await gw.addUser('alice', 'correct horse', { role: 'user', webdav: true });
  return { upstream, gw, clock };
}

async function signIn(url: string, body: Record<string, string>) {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { res, text: await res.text() };
}

t.test('the UI shell is public (GET/HEAD), / redirects to the sign-in page, /api/v1/config is not', async (t) => {
  const { upstream, gw } = await setUp(t);
  const shell = ['/library', '/library/login', '/library/browse', '/manifest.json', '/sw.js', '/favicon.ico', '/robots.txt'];
  for (const path of shell) {
    t.equal((await fetch(`${gw.url}${path}`)).status, 200, `GET ${path}`);
    t.equal((await fetch(`${gw.url}${path}`, { method: 'HEAD' })).status, 200, `HEAD ${path}`);
    t.equal((await fetch(`${gw.url}${path}`, { method: 'POST' })).status, 403, `POST ${path}: no rule, refused`);
  }
  const root = await fetch(`${gw.url}/`, { redirect: 'manual' });
  t.equal(root.status, 302);
  t.equal(root.headers.get('location'), '/library/login');
  t.equal((await fetch(`${gw.url}/`, { method: 'HEAD', redirect: 'manual' })).status, 302);
  const unmapped = await fetch(`${gw.url}/not-a-photoprism-path`);
  t.equal(unmapped.status, 403, 'no / prefix rule: unmapped paths stay refused');
  const before = upstream.seen.length;
  const config = await fetch(`${gw.url}/api/v1/config`);
  t.equal(config.status, 401, '/api/v1/config needs a credential');
  t.notMatch(await config.text(), upstreamConfig.previewToken);
  t.equal(upstream.seen.length, before, 'and never reached the upstream');
});

t.test('sign-in and reload: the session answer has what the UI reads, never the upstream credential', async (t) => {
  const { upstream, gw } = await setUp(t);
  const { res, text } = await signIn(gw.url, { username: 'alice', password: 'correct horse', code: '' });
  t.equal(res.status, 200);
  t.notMatch(text, credential, 'the upstream credential is not in the answer');
  const json = JSON.parse(text) as Record<string, unknown> & { user: Record<string, unknown> };
  t.match(json.access_token, /^[0-9a-f]{48}$/);
  t.match(json.session_id, /^sess[a-z0-9]{8}$/);
  t.equal(json.provider, 'local');
  t.same(json.config, upstreamConfig, 'the upstream config, for ACL and preview tokens');
  t.equal(json.user.UID, upstreamUser.UID, 'the upstream UID: isUser() and users/<UID>/… paths');
  t.equal(json.user.ID, upstreamUser.ID);
  t.equal(json.user.Name, 'alice');
  t.equal(json.user.DisplayName, 'alice');
  t.equal(json.user.Role, 'user', 'the photogate role, not the upstream one');
  t.equal(json.user.SuperAdmin, false);
  t.equal(json.user.WebDAV, true);
  t.equal(json.user.AuthProvider, 'local');
  t.equal(json.user.AuthMethod, 'default');
  t.equal(json.user.username, 'alice');
  t.equal(json.user.role, 'user');
  const sessionCalls = upstream.seen.filter((r) => r.url === '/api/v1/session');
  t.equal(sessionCalls.length, 1);
  t.equal(sessionCalls[0]?.headers['x-auth-token'], credential, 'asked with the upstream credential');

  const token = String(json.access_token);
  const reload = await fetch(`${gw.url}/api/v1/session`, { headers: { 'x-auth-token': token } });
  const reloadText = await reload.text();
  t.equal(reload.status, 200);
  t.notMatch(reloadText, credential);
  const again = JSON.parse(reloadText) as { user: Record<string, unknown>; provider: string; session_id: string };
  t.equal(again.user.UID, upstreamUser.UID);
  t.equal(again.provider, 'local');
  t.equal(again.session_id, json.session_id);
  t.equal(upstream.seen.filter((r) => r.url === '/api/v1/session').length, 1, 'the upstream identity is cached');

  const config = await fetch(`${gw.url}/api/v1/config`, { headers: { 'x-auth-token': token } });
  t.equal(config.status, 200, 'with a session, /api/v1/config is forwarded');
  t.equal(upstream.seen.at(-1)?.headers['x-auth-token'], credential);
});

t.test('an app password sign-in says provider application', async (t) => {
  const { gw } = await setUp(t);
  const app = await gw.addAppPassword('alice', '*');
  const { res, text } = await signIn(gw.url, { username: 'alice', password: app.secret });
  t.equal(res.status, 200);
  const json = JSON.parse(text) as { provider: string; access_token: string };
  t.equal(json.provider, 'application');
  const get = await fetch(`${gw.url}/api/v1/session`, { headers: { authorization: `Bearer ${json.access_token}` } });
  t.equal(((await get.json()) as { provider: string }).provider, 'application');
});

t.test('without a usable upstream identity the session answer still works, without UID', async (t) => {
  const { upstream, gw } = await setUp(t);
  upstream.rejectCredential = true;
  const { res, text } = await signIn(gw.url, { username: 'alice', password: 'correct horse' });
  t.equal(res.status, 200);
  const json = JSON.parse(text) as { user: Record<string, unknown>; config?: unknown };
  t.equal(json.user.UID, undefined);
  t.equal(json.user.Name, 'alice');
  t.equal(json.config, undefined);
});

t.test('error bodies carry message; an upstream 401 to the upstream credential is 502', async (t) => {
  const { upstream, gw } = await setUp(t);
  const refused = await signIn(gw.url, { username: 'alice', password: 'wrong password' });
  t.equal(refused.res.status, 401);
  const body = JSON.parse(refused.text) as Record<string, unknown>;
  t.equal(body.error, 'invalid_grant');
  t.equal(body.message, body.error_description, 'message = error_description');
  t.type(body.message, 'string');

  const { text } = await signIn(gw.url, { username: 'alice', password: 'correct horse' });
  const token = String((JSON.parse(text) as { access_token: string }).access_token);
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { 'x-auth-token': token } })).status, 200);
  upstream.rejectCredential = true;
  const rejected = await fetch(`${gw.url}/api/v1/photos`, { headers: { 'x-auth-token': token } });
  t.equal(rejected.status, 502, 'not 401: the UI would sign the person out');
  t.same(await rejected.json(), { error: 'bad_gateway', error_description: 'upstream credential rejected', message: 'upstream credential rejected' });
  const publicRoute = await fetch(`${gw.url}/api/v1/t/abc/public/tile_224`);
  t.not(publicRoute.status, 502, 'public routes pass the upstream answer through');
});
