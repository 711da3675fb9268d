/**
 * Issue 12 class 2: method-override headers. Frameworks that honour `X-HTTP-Method-Override`,
 * `X-HTTP-Method` or `X-Method-Override` would execute a DELETE for a GET that a read-only
 * credential was allowed. photogate refuses any request carrying one (400 `invalid_request`), in
 * any spelling and with any value, on every rule kind and on WebSocket upgrades, and the
 * upstream sees nothing of it. Without such a header the same requests pass.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

const names = [
  'X-HTTP-Method-Override',
  'x-http-method-override',
  'X-Http-Method-Override',
  'X_HTTP_Method_Override',
  'x_http_method_override',
  'X-HTTP_Method-Override',
  'X-HTTP-Method',
  'x-http-method',
  'X_HTTP_METHOD',
  'X-Method-Override',
  'X_Method_Override',
  'X-METHOD-OVERRIDE',
];
const values = ['DELETE', 'delete', 'PUT', 'PATCH', 'MOVE', 'PROPPATCH', 'GET', ''];

interface Place {
  kind: string;
  method: string;
  target: string;
  /** Which credential line (by name) the request carries. */
  credential: 'webdavRead' | 'photosRead' | 'none';
}

const places: Place[] = [
  { kind: 'WebDAV, read-only app password', method: 'GET', target: '/originals/a.jpg', credential: 'webdavRead' },
  { kind: 'WebDAV PROPFIND, read-only app password', method: 'PROPFIND', target: '/originals/', credential: 'webdavRead' },
  { kind: 'photos, read-only token', method: 'GET', target: '/api/v1/photos/abc', credential: 'photosRead' },
  { kind: 'photos HEAD, read-only token', method: 'HEAD', target: '/api/v1/photos/abc', credential: 'photosRead' },
  { kind: 'public rule, no credential', method: 'GET', target: '/api/v1/t/abc/def/tile_224', credential: 'none' },
  { kind: 'public share link', method: 'GET', target: '/s/share', credential: 'none' },
];

t.test('method-override headers are refused and never reach the upstream', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const webdavRead = (await gw.addAppPassword('alice', 'webdav read')).secret;
  const photosRead = (await gw.addAccessToken('photos read', { username: 'alice' })).secret;
  const credentialLines = { webdavRead: [`Authorization: ${basic('alice', webdavRead)}`], photosRead: [`X-Auth-Token: ${photosRead}`], none: [] };

  for (const place of places) {
    const lines = credentialLines[place.credential];
    const control = await rawRequest(gw.url, `${place.method} ${place.target} HTTP/1.1`, lines);
    t.equal(control.status, 200, `${place.kind}: without an override it passes`);
    const seen = upstream.last();
    t.equal(seen?.method, place.method, `${place.kind}: the upstream saw the request's own method`);

    for (const name of names) {
      for (const value of values) {
        const label = `${place.kind}: ${place.method} with ${name}: ${value}`;
        const before = upstream.seen.length;
        const res = await rawRequest(gw.url, `${place.method} ${place.target} HTTP/1.1`, [...lines, `${name}: ${value}`]);
        t.equal(res.status, 400, `${label}: 400`);
        if (place.method !== 'HEAD') t.equal(JSON.parse(res.body).error, 'invalid_request', `${label}: invalid_request`);
        t.equal(upstream.seen.length, before, `${label}: nothing forwarded`);
      }
    }
  }
});

t.test('no way around it: repeated, hidden behind Connection, beside another override', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const auth = `Authorization: ${basic('alice', (await gw.addAppPassword('alice', 'webdav read')).secret)}`;
  const rows: { name: string; lines: string[] }[] = [
    { name: 'twice', lines: ['X-HTTP-Method-Override: DELETE', 'X-HTTP-Method-Override: DELETE'] },
    { name: 'named by Connection', lines: ['Connection: X-HTTP-Method-Override', 'X-HTTP-Method-Override: DELETE'] },
    { name: 'all three', lines: ['X-HTTP-Method-Override: DELETE', 'X-HTTP-Method: DELETE', 'X-Method-Override: DELETE'] },
    { name: 'with Expect: 100-continue and a body', lines: ['X-HTTP-Method: PUT', 'Expect: 100-continue', 'Content-Length: 3'] },
  ];
  for (const row of rows) {
    const res = await rawRequest(gw.url, 'GET /originals/a.jpg HTTP/1.1', [auth, ...row.lines]);
    t.equal(res.status, 400, `${row.name}: 400`);
    t.notMatch(res.raw, /^HTTP\/1\.1 100/, `${row.name}: no 100 Continue first`);
  }
  t.equal(upstream.seen.length, 0, 'nothing forwarded');
  const res = await rawRequest(gw.url, 'DELETE /originals/a.jpg HTTP/1.1', [auth]);
  t.equal(res.status, 403, 'the method itself is still decided by the scope');
});

t.test('WebSocket upgrades with a method override are refused', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const upgrade = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];
  for (const name of ['X-HTTP-Method-Override', 'X_HTTP_Method', 'X-Method-Override']) {
    const res = await rawRequest(gw.url, 'GET /api/v1/t/abc/ws HTTP/1.1', [...upgrade, `${name}: DELETE`]);
    t.equal(res.status, 400, `${name}: 400`);
  }
  t.equal(upstream.seen.length, 0, 'nothing forwarded');
});
