/**
 * Forward-auth (`/api/v1/auth/verify`) answers exactly what the gateway answers for the same
 * request: each case goes once straight to the gateway and once as a proxy's question (original
 * method and URI in headers, credentials as the client sent them), and status, error code and
 * challenge must agree. Then what only forward-auth has: trusted proxies only, the identity
 * headers, non-canonical paths refused, host rules, Destination, brute-force limits.
 */
import t from 'tap';
import { type EchoUpstream, startEchoUpstream } from '../helpers/echo-upstream.js';
import { type RawResponse, rawRequest } from '../helpers/raw-http.js';
import { basic, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const verifyPath = '/api/v1/auth/verify';

interface Credentials {
  photosToken: string;
  photosTokenId: string;
  webdavAppPassword: string;
  readAppPassword: string;
  grafanaToken: string;
  twoFactorAppPassword: string;
}

/** An activated two-factor setup (issue 13): what refuses the user's own password on Basic. */
const twoFactorOn = { sealedSecret: 'v1.a.b.c', sealedRecoveryCodes: null, recoveryCodeDigests: ['a'.repeat(64)], verifiedAt: 1, activatedAt: 1, lastStep: 0 };

async function setUp(gw: TestGateway): Promise<Credentials> {
  await gw.addUser('alice', 'alice-password', { role: 'user', webdav: true });
  const photos = await gw.addAccessToken('photos');
  return {
    photosToken: photos.secret,
    photosTokenId: photos.record.id,
    webdavAppPassword: (await gw.addAppPassword('alice', 'webdav')).secret,
    readAppPassword: (await gw.addAppPassword('alice', 'webdav read')).secret,
    grafanaToken: (await gw.addAccessToken('grafana', { username: 'alice' })).secret,
    twoFactorAppPassword: await addTwoFactorUser(gw),
  };
}

/** Carol, with two-factor on: resolves to a WebDAV app password of hers. */
async function addTwoFactorUser(gw: TestGateway): Promise<string> {
  await gw.addUser('carol', 'carol-password', { role: 'user', webdav: true });
  await gw.store.updateUser('carol', { twoFactor: twoFactorOn }, 1);
  return (await gw.addAppPassword('carol', 'webdav')).secret;
}

function headerLines(headers: Record<string, string | string[]>): string[] {
  return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`));
}

/** The question a proxy asks: Traefik/Caddy header names, or nginx's. */
function ask(gw: { url: string }, method: string, uri: string, headers: Record<string, string | string[]>, style: 'forwarded' | 'original' = 'forwarded'): Promise<RawResponse> {
  const original: Record<string, string> =
    style === 'forwarded' ? { 'X-Forwarded-Method': method, 'X-Forwarded-Uri': uri } : { 'X-Original-Method': method, 'X-Original-URI': uri };
  return rawRequest(gw.url, `GET ${verifyPath} HTTP/1.1`, headerLines({ ...original, ...headers }));
}

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: (c: Credentials) => Record<string, string>;
  status: number;
}

const sameAsGateway: Case[] = [
  { name: 'no credential on the API', path: '/api/v1/photos', status: 401 },
  { name: 'no credential on WebDAV', method: 'PROPFIND', path: '/originals/', status: 401 },
  { name: 'bearer token within scope', path: '/api/v1/photos?count=5', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 200 },
  { name: 'X-Auth-Token within scope', path: '/api/v1/photos/p1', headers: (c) => ({ 'x-auth-token': c.photosToken }), status: 200 },
  { name: 'token outside its scope', path: '/api/v1/albums', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 403 },
  { name: 'unknown token', path: '/api/v1/photos', headers: () => ({ authorization: `Bearer ${'0'.repeat(48)}` }), status: 401 },
  { name: 'two credentials', path: '/api/v1/photos', headers: (c) => ({ authorization: `Bearer ${c.photosToken}`, 'x-auth-token': c.photosToken }), status: 400 },
  { name: 'Basic app password on WebDAV', method: 'PROPFIND', path: '/originals/', headers: (c) => ({ authorization: basic('alice', c.webdavAppPassword) }), status: 200 },
  { name: 'Basic app password of another user', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('bob', c.webdavAppPassword) }), status: 401 },
  { name: 'Basic own password of a user without two-factor', path: '/api/v1/photos', headers: () => ({ authorization: basic('alice', 'alice-password') }), status: 200 },
  // Issue 13: Basic has no place for a code, so a two-factor user's own password opens nothing.
  { name: 'Basic own password of a two-factor user', path: '/api/v1/photos', headers: () => ({ authorization: basic('carol', 'carol-password') }), status: 401 },
  { name: 'Basic own password of a two-factor user on WebDAV', method: 'PROPFIND', path: '/originals/', headers: () => ({ authorization: basic('carol', 'carol-password') }), status: 401 },
  { name: 'Basic app password of a two-factor user', method: 'PROPFIND', path: '/originals/', headers: (c) => ({ authorization: basic('carol', c.twoFactorAppPassword) }), status: 200 },
  { name: 'Basic wrong user password', path: '/api/v1/photos', headers: () => ({ authorization: basic('alice', 'wrong-password') }), status: 401 },
  { name: 'read-only app password may not PUT', method: 'PUT', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('alice', c.readAppPassword) }), status: 403 },
  { name: 'MOVE into another resource', method: 'MOVE', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('alice', c.webdavAppPassword), destination: '/api/v1/photos/x' }), status: 403 },
  { name: 'MOVE within WebDAV', method: 'MOVE', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('alice', c.webdavAppPassword), destination: '/originals/b.jpg' }), status: 200 },
  { name: 'unmapped path', path: '/secret', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 403 },
  { name: 'public share link', path: '/s/share-token', status: 200 },
  { name: 'encoded slash', path: '/originals/a%2Fb', status: 400 },
  { name: 'climbing above the root', path: '/../originals/x', status: 400 },
  // Issue 12: method-override headers, in any spelling, on every kind of rule.
  { name: 'method override with a token in scope', path: '/api/v1/photos', headers: (c) => ({ authorization: `Bearer ${c.photosToken}`, 'X-HTTP-Method-Override': 'DELETE' }), status: 400 },
  { name: 'X_HTTP_Method on WebDAV', method: 'PROPFIND', path: '/originals/', headers: (c) => ({ authorization: basic('alice', c.webdavAppPassword), X_HTTP_Method: 'DELETE' }), status: 400 },
  { name: 'X-Method-Override on a read-only app password', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('alice', c.readAppPassword), 'X-Method-Override': 'PUT' }), status: 400 },
  { name: 'method override on a public route', path: '/s/share-token', headers: () => ({ 'x-http-method-override': 'DELETE' }), status: 400 },
  { name: 'method override without a credential', path: '/api/v1/photos', headers: () => ({ 'X-HTTP-Method-Override': 'GET' }), status: 401 },
  // Issue 12: path parameters.
  { name: 'dot segment with path parameters', path: '/api/v1/t/..;/users', status: 400 },
  { name: 'encoded dot segment with path parameters', path: '/api/v1/t/%2e%2e;x/users', status: 400 },
  { name: 'parameters that change the rule', path: '/api/v1/users;x/u1', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 400 },
  { name: 'parameters that keep the rule', path: '/api/v1/photos/p1;v=2', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 200 },
];

t.test('forward-auth decides exactly as the gateway does', async (t) => {
  const upstream: EchoUpstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { trustedProxies: ['127.0.0.1'] } });
  const creds = await setUp(gw);
  for (const c of sameAsGateway) {
    await t.test(c.name, async (t) => {
      const method = c.method ?? 'GET';
      const headers = c.headers?.(creds) ?? {};
      const direct = await rawRequest(gw.url, `${method} ${c.path} HTTP/1.1`, headerLines(headers));
      for (const style of ['forwarded', 'original'] as const) {
        const verdict = await ask(gw, method, c.path, headers, style);
        t.equal(direct.status, c.status, 'the gateway answers as expected');
        t.equal(verdict.status, direct.status, `${style}: same status as the gateway`);
        t.equal(verdict.headers['www-authenticate'], direct.headers['www-authenticate'], `${style}: same challenge`);
        if (c.status !== 200) t.equal(JSON.parse(verdict.body).error, JSON.parse(direct.body).error, `${style}: same error code`);
      }
    });
  }
});

t.test('the identity headers a proxy copies', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { trustedProxies: ['127.0.0.1'] } });
  const creds = await setUp(gw);
  const appPassword = await ask(gw, 'PROPFIND', '/originals/', { authorization: basic('alice', creds.webdavAppPassword) });
  t.equal(appPassword.status, 200);
  t.equal(appPassword.headers['x-forwarded-user'], 'alice');
  t.match(appPassword.headers['x-forwarded-client'], /^[a-z0-9]+$/i);
  t.equal(appPassword.headers['x-forwarded-scope'], 'webdav');
  const token = await ask(gw, 'GET', '/api/v1/photos', { authorization: `Bearer ${creds.photosToken}` });
  t.same(
    [token.headers['x-forwarded-user'], token.headers['x-forwarded-client'], token.headers['x-forwarded-scope']],
    ['', creds.photosTokenId, 'photos'],
    'a token without a user: the user header is there and empty, so a copying proxy overwrites a spoofed one',
  );
  t.equal(token.headers['cache-control'], 'no-store');
  const spoofed = await ask(gw, 'GET', '/s/share', { 'x-forwarded-user': 'admin' });
  t.equal(spoofed.headers['x-forwarded-user'], '', 'a public route: empty identity whatever the client sent');
  for (const method of ['POST', 'HEAD', 'PUT']) {
    const res = await rawRequest(gw.url, `${method} ${verifyPath} HTTP/1.1`, headerLines({ 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/s/share', 'content-length': '0' }));
    t.equal(res.status, 200, `the verify endpoint answers ${method} too`);
  }
  t.equal(upstream.seen.length, 0, 'forward-auth never reaches the upstream');
});

t.test('what forward-auth refuses', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { trustedProxies: ['127.0.0.1'] } });
  const creds = await setUp(gw);
  const token = { authorization: `Bearer ${creds.photosToken}` };
  const cases: { name: string; headers: Record<string, string | string[]>; status: number; error: string }[] = [
    { name: 'no original URI', headers: { 'X-Forwarded-Method': 'GET', ...token }, status: 400, error: 'invalid_request' },
    { name: 'no original method', headers: { 'X-Forwarded-Uri': '/api/v1/photos', ...token }, status: 400, error: 'invalid_request' },
    { name: 'a method that is no token', headers: { 'X-Forwarded-Method': 'GET /x', 'X-Forwarded-Uri': '/api/v1/photos', ...token }, status: 400, error: 'invalid_request' },
    { name: 'both header styles at once', headers: { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/api/v1/photos', 'X-Original-URI': '/api/v1/albums', ...token }, status: 400, error: 'invalid_request' },
    { name: 'repeated URI', headers: { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': ['/api/v1/photos', '/api/v1/albums'], ...token }, status: 400, error: 'invalid_request' },
    { name: 'absolute-form URI', headers: { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': 'http://x/api/v1/photos', ...token }, status: 400, error: 'invalid_request' },
    // The gateway would rewrite these and forward the result; a proxy forwards them as they are.
    ...['/api/v1/albums/../photos', '/api/v1//photos', '/api/v1/%70hotos', '/api/v1/photos/./x'].map((uri) => ({
      name: `non-canonical ${uri}`, headers: { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': uri, ...token }, status: 400, error: 'invalid_request',
    })),
    { name: 'non-canonical Destination', headers: { 'X-Forwarded-Method': 'MOVE', 'X-Forwarded-Uri': '/originals/a', authorization: basic('alice', creds.webdavAppPassword), destination: '/originals/x/../b' }, status: 400, error: 'invalid_request' },
  ];
  for (const c of cases) {
    const res = await rawRequest(gw.url, `GET ${verifyPath} HTTP/1.1`, headerLines(c.headers));
    t.equal(res.status, c.status, `${c.name}: status`);
    t.equal(JSON.parse(res.body).error, c.error, `${c.name}: error code`);
  }

  const untrusted = await startTestGateway(t, { upstream: upstream.url });
  const res = await ask(untrusted, 'GET', '/api/v1/photos', token);
  t.equal(res.status, 403, 'a peer not in trustedProxies is refused');
  t.equal(JSON.parse(res.body).error, 'access_denied');
  t.match(JSON.parse(res.body).error_description, /trustedProxies/, 'and told where to add it');
});

t.test('a route rule may name a host', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, {
    upstream: upstream.url,
    config: { trustedProxies: ['127.0.0.1'], routes: { builtin: true, rules: [{ path: '/', scope: 'grafana', host: 'grafana.example' }] } },
  });
  const creds = await setUp(gw);
  const cases: { name: string; host?: string; uri: string; credential: string; status: number }[] = [
    { name: "grafana's token on grafana", host: 'grafana.example', uri: '/d/home', credential: creds.grafanaToken, status: 200 },
    { name: 'host case and port do not matter', host: 'Grafana.Example:8443', uri: '/d/home', credential: creds.grafanaToken, status: 200 },
    { name: "a photos token on grafana", host: 'grafana.example', uri: '/d/home', credential: creds.photosToken, status: 403 },
    { name: "grafana's rules do not fall through to PhotoPrism's", host: 'grafana.example', uri: '/api/v1/photos', credential: creds.photosToken, status: 403 },
    { name: "PhotoPrism's rules for another host", host: 'photos.example', uri: '/api/v1/photos', credential: creds.photosToken, status: 200 },
    { name: "grafana's rule does not apply to another host", host: 'photos.example', uri: '/d/home', credential: creds.grafanaToken, status: 403 },
    { name: 'no host: the rules without one', uri: '/api/v1/photos', credential: creds.photosToken, status: 200 },
  ];
  for (const c of cases) {
    const headers: Record<string, string> = { authorization: `Bearer ${c.credential}` };
    if (c.host) headers['X-Forwarded-Host'] = c.host;
    const res = await ask(gw, 'GET', c.uri, headers);
    t.equal(res.status, c.status, c.name);
    if (c.status === 200) t.equal(res.headers['x-forwarded-scope'], c.credential === creds.grafanaToken ? 'grafana' : 'photos');
  }
  const direct = await rawRequest(gw.url, 'GET /d/home HTTP/1.1', [`Authorization: Bearer ${creds.grafanaToken}`]);
  t.equal(direct.status, 403, 'the gateway itself keeps its own rules');
  const spoofed = await rawRequest(gw.url, 'GET /d/home HTTP/1.1', ['Host: grafana.example', `Authorization: Bearer ${creds.grafanaToken}`]);
  t.equal(spoofed.status, 403, "whatever Host a client sends: a host's rules never open the gateway's upstream");
});

t.test('forward-auth counts failed passwords like the gateway', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, {
    upstream: upstream.url,
    config: { trustedProxies: ['127.0.0.1'], rateLimits: { addressFailureBurst: 2, addressFailuresPerMinute: 1 } },
  });
  await setUp(gw);
  const wrong = { authorization: basic('alice', 'wrong-password'), 'X-Forwarded-For': '203.0.113.7' };
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await ask(gw, 'GET', '/api/v1/photos', wrong)).status);
  t.same(statuses, [401, 401, 429, 429], 'two failures, then 429 for that client address');
  const limited = await ask(gw, 'GET', '/api/v1/photos', { ...wrong, authorization: basic('alice', 'alice-password') });
  t.equal(limited.status, 429, 'the throttled address gets 429 even with the right password');
  t.ok(Number(limited.headers['retry-after']) >= 1, 'with Retry-After');
  const other = await ask(gw, 'GET', '/api/v1/photos', { authorization: basic('alice', 'alice-password'), 'X-Forwarded-For': '203.0.113.8' });
  t.equal(other.status, 200, 'another client address behind the same proxy is not throttled');
});
