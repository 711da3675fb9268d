/**
 * What reaches the upstream, and what does not: credentials of every kind against route rules,
 * scopes, roles and the hard limits (WebDAV needs a user, app passwords never manage accounts).
 * A real gateway in front of a real echo upstream; each case checks status, error code and
 * whether (and how) the upstream saw the request.
 */
import t from 'tap';
import { rawRequest } from '../helpers/raw-http.js';
import { type EchoUpstream, startEchoUpstream } from '../helpers/echo-upstream.js';
import { basic, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

interface Credentials {
  adminPassword: string;
  photosToken: string;
  webdavAppPassword: string;
  readWebdavAppPassword: string;
  starAppPassword: string;
  starClientToken: string;
  bobPassword: string;
}

async function setUp(gw: TestGateway): Promise<Credentials> {
  await gw.addUser('admin', 'admin-password', { role: 'admin' });
  await gw.addUser('bob', 'bob-password', { role: 'user', webdav: false });
  return {
    adminPassword: 'admin-password',
    bobPassword: 'bob-password',
    photosToken: (await gw.addAccessToken('photos')).secret,
    webdavAppPassword: (await gw.addAppPassword('admin', 'webdav')).secret,
    readWebdavAppPassword: (await gw.addAppPassword('admin', 'webdav read')).secret,
    starAppPassword: (await gw.addAppPassword('admin', '*')).secret,
    starClientToken: (await gw.addAccessToken('*')).secret,
  };
}

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: (c: Credentials) => Record<string, string | string[]>;
  status: number;
  error?: string;
  challenge?: RegExp;
  /** The path the upstream must have seen; undefined = the request must not reach it. */
  forwardedAs?: string;
}

const cases: Case[] = [
  { name: 'no credential on the API: Bearer challenge', path: '/api/v1/photos', status: 401, error: 'invalid_token', challenge: /^Bearer realm="photogate"$/ },
  { name: 'no credential on WebDAV: Basic challenge', method: 'PROPFIND', path: '/originals/', status: 401, error: 'invalid_token', challenge: /^Basic realm="photogate"/ },
  { name: 'bearer token within scope', path: '/api/v1/photos?count=10', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 200, forwardedAs: '/api/v1/photos?count=10' },
  { name: 'bearer scheme is case-insensitive', path: '/api/v1/photos', headers: (c) => ({ authorization: `bEaReR ${c.photosToken}` }), status: 200, forwardedAs: '/api/v1/photos' },
  { name: 'X-Auth-Token within scope', path: '/api/v1/photos/abc', headers: (c) => ({ 'x-auth-token': c.photosToken }), status: 200, forwardedAs: '/api/v1/photos/abc' },
  { name: 'legacy X-Session-ID', path: '/api/v1/photos', headers: (c) => ({ 'x-session-id': c.photosToken }), status: 200, forwardedAs: '/api/v1/photos' },
  { name: 'token outside its scope', path: '/api/v1/albums', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 403, error: 'insufficient_scope' },
  { name: 'unknown token', path: '/api/v1/photos', headers: () => ({ authorization: `Bearer ${'0'.repeat(48)}` }), status: 401, error: 'invalid_token', challenge: /error="invalid_token"/ },
  { name: 'malformed bearer', path: '/api/v1/photos', headers: () => ({ authorization: 'Bearer a b' }), status: 401, error: 'invalid_token' },
  { name: 'two credentials', path: '/api/v1/photos', headers: (c) => ({ authorization: `Bearer ${c.photosToken}`, 'x-auth-token': c.photosToken }), status: 400, error: 'invalid_request' },
  { name: 'repeated X-Auth-Token', path: '/api/v1/photos', headers: (c) => ({ 'x-auth-token': [c.photosToken, c.photosToken] }), status: 400, error: 'invalid_request' },
  { name: 'Basic app password on WebDAV', method: 'PROPFIND', path: '/originals/', headers: (c) => ({ authorization: basic('admin', c.webdavAppPassword), depth: '1' }), status: 200, forwardedAs: '/originals/' },
  { name: 'Basic app password, username case-insensitive', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('ADMIN', c.webdavAppPassword) }), status: 200, forwardedAs: '/originals/a.jpg' },
  { name: 'Basic app password of another user', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('bob', c.webdavAppPassword) }), status: 401, error: 'invalid_token', challenge: /^Basic/ },
  { name: 'app password as Bearer', path: '/originals/a.jpg', headers: (c) => ({ authorization: `Bearer ${c.webdavAppPassword}` }), status: 200, forwardedAs: '/originals/a.jpg' },
  { name: 'Basic user password', path: '/api/v1/albums', headers: (c) => ({ authorization: basic('admin', c.adminPassword) }), status: 200, forwardedAs: '/api/v1/albums' },
  { name: 'Basic wrong password', path: '/api/v1/albums', headers: () => ({ authorization: basic('admin', 'wrong-password') }), status: 401, error: 'invalid_token' },
  { name: 'Basic unknown user', path: '/api/v1/albums', headers: () => ({ authorization: basic('nobody', 'whatever-password') }), status: 401, error: 'invalid_token' },
  { name: 'read-scoped app password may read', method: 'GET', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('admin', c.readWebdavAppPassword) }), status: 200, forwardedAs: '/originals/a.jpg' },
  { name: 'read-scoped app password may not write', method: 'PUT', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('admin', c.readWebdavAppPassword) }), status: 403, error: 'insufficient_scope' },
  { name: 'read-scoped app password may not MOVE', method: 'MOVE', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('admin', c.readWebdavAppPassword), destination: '/originals/b.jpg' }), status: 403, error: 'insufficient_scope' },
  { name: 'client token never reaches WebDAV, even with *', path: '/originals/a.jpg', headers: (c) => ({ authorization: `Bearer ${c.starClientToken}` }), status: 403, error: 'access_denied' },
  { name: 'app password never manages users, even with *', method: 'PUT', path: '/api/v1/users/u1', headers: (c) => ({ authorization: `Bearer ${c.starAppPassword}` }), status: 403, error: 'access_denied' },
  { name: 'app password never changes passwords', method: 'PUT', path: '/api/v1/users/u1/password', headers: (c) => ({ authorization: `Bearer ${c.starAppPassword}` }), status: 403, error: 'access_denied' },
  { name: 'user without the webdav flag', path: '/originals/a.jpg', headers: (c) => ({ authorization: basic('bob', c.bobPassword) }), status: 403, error: 'access_denied' },
  { name: 'user role cannot reach logs', path: '/api/v1/errors', headers: (c) => ({ authorization: basic('bob', c.bobPassword) }), status: 403, error: 'access_denied' },
  { name: 'user role may read photos', path: '/api/v1/photos', headers: (c) => ({ authorization: basic('bob', c.bobPassword) }), status: 200, forwardedAs: '/api/v1/photos' },
  { name: 'unmapped path refused whatever the credential', path: '/secret/admin', headers: (c) => ({ authorization: basic('admin', c.adminPassword) }), status: 403, error: 'access_denied' },
  { name: 'unmapped path refused without credential', path: '/unmapped', status: 403, error: 'access_denied' },
  { name: 'POST / is no rule either (GET / redirects: photoprism-web-ui.test.ts)', method: 'POST', path: '/', status: 405, error: 'method_not_allowed' },
  { name: 'public preview-token route needs no credential', path: '/api/v1/t/abc/tok123/tile_500', status: 200, forwardedAs: '/api/v1/t/abc/tok123/tile_500' },
  { name: 'public route is read-only: other methods are unmapped', method: 'DELETE', path: '/api/v1/t/abc/tok123/tile_500', status: 403, error: 'access_denied' },
  { name: 'public share link', path: '/s/sharetoken', status: 200, forwardedAs: '/s/sharetoken' },
  { name: 'WebSocket path needs any valid credential', path: '/api/v1/ws', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 200, forwardedAs: '/api/v1/ws' },
  { name: 'dot segments are resolved before the decision', path: '/originals/%2e%2e/api/v1/photos', headers: (c) => ({ authorization: basic('admin', c.webdavAppPassword) }), status: 403, error: 'insufficient_scope' },
  { name: 'dot segments: forwarded as decided', path: '/api/v1/albums/../photos//x/./y', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 200, forwardedAs: '/api/v1/photos/x/y' },
  { name: 'unreserved escapes are decoded like the upstream does', path: '/api/v1/%6detrics', headers: (c) => ({ authorization: `Bearer ${c.photosToken}` }), status: 403, error: 'insufficient_scope' },
  { name: 'encoded slash is refused', path: '/originals/a%2Fb', headers: (c) => ({ authorization: basic('admin', c.webdavAppPassword) }), status: 400, error: 'invalid_request' },
  { name: 'climbing above the root is refused', path: '/../originals/x', status: 400, error: 'invalid_request' },
  { name: 'unicode and spaces in WebDAV names pass encoded', path: '/originals/%C3%A9t%C3%A9%20100%25.jpg', headers: (c) => ({ authorization: basic('admin', c.webdavAppPassword) }), status: 200, forwardedAs: '/originals/%C3%A9t%C3%A9%20100%25.jpg' },
];

t.test('route rules, credentials and scopes', async (t) => {
  const upstream: EchoUpstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const creds = await setUp(gw);
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const before = upstream.seen.length;
      const lines = Object.entries(c.headers?.(creds) ?? {}).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`),
      );
      const res = await rawRequest(gw.url, `${c.method ?? 'GET'} ${c.path} HTTP/1.1`, lines);
      t.equal(res.status, c.status, 'status');
      if (c.error) t.equal(JSON.parse(res.body).error, c.error, 'error code');
      if (c.challenge) t.match(String(res.headers['www-authenticate']), c.challenge, 'challenge');
      if (c.forwardedAs === undefined) {
        t.equal(upstream.seen.length, before, 'the upstream saw nothing');
      } else {
        t.equal(upstream.seen.length, before + 1, 'the upstream saw it once');
        t.equal(upstream.last()?.url, c.forwardedAs, 'forwarded path');
      }
    });
  }
});
