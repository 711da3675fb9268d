/**
 * Issue 12 class 1: a segment that is a dot segment once its `;` parameters are removed. Servers
 * that drop parameters before resolving dot segments (Tomcat, Jetty, Spring) read
 * `/api/v1/t/..;/..;/users` as `/api/v1/users`, so every spelling is refused with 400
 * `invalid_request` on every kind of rule (public, resource, WebDAV, unmapped, our own
 * endpoints), in the request target and in a WebDAV `Destination`, and nothing reaches the
 * upstream. A parameter that would make another rule decide (`/users/bob/password;x`) is refused
 * the same way. Names that merely contain `;` keep working both ways. The credential allows `*`, so
 * a spelling that slipped through to any rule would show as a forwarded request.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestGateway } from '../helpers/test-gateway.js';

/** Every spelling of a dot (or empty) segment with parameters. */
const spellings = [
  '..;',
  '..;x',
  '.;x',
  '.;',
  '..;;',
  '..;;;x',
  '..;a=b;c=d',
  '..;jsessionid=0123',
  '%2e%2e;',
  '%2E%2E;x',
  '%2E%2e;',
  '.%2e;',
  '%2e.;x',
  '%2e;',
  '..%3B',
  '..%3bx',
  '%2e%2e%3b',
  '.%3B',
  ';x',
  ';',
  '%3Bx',
];

/** Where the segment goes: one target per rule kind. */
const places: { kind: string; target: (segment: string) => string }[] = [
  { kind: 'public rule', target: (s) => `/api/v1/t/${s}/${s}/users` },
  { kind: 'public rule, last segment', target: (s) => `/api/v1/t/x/${s}` },
  { kind: 'resource rule', target: (s) => `/api/v1/photos/${s}/users` },
  { kind: 'WebDAV rule', target: (s) => `/originals/${s}/api/v1/users` },
  { kind: 'unmapped path', target: (s) => `/nothing/${s}/api/v1/photos` },
  { kind: 'own endpoint', target: (s) => `/api/v1/oauth/${s}/oauth/token` },
];

t.test('dot segments with path parameters are refused on every rule kind', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret } = await gw.addAccessToken('*', { username: 'alice' });
  for (const place of places) {
    for (const spelling of spellings) {
      for (const method of ['GET', 'DELETE']) {
        const target = place.target(spelling);
        const label = `${place.kind}: ${method} ${target}`;
        const before = upstream.seen.length;
        const res = await rawRequest(gw.url, `${method} ${target} HTTP/1.1`, [`X-Auth-Token: ${secret}`]);
        t.equal(res.status, 400, `${label}: 400`);
        t.equal(JSON.parse(res.body).error, 'invalid_request', `${label}: invalid_request`);
        t.equal(upstream.seen.length, before, `${label}: nothing forwarded`);
      }
    }
  }
});

t.test('a WebSocket upgrade to such a path is refused before the upstream', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  for (const spelling of ['..;', '%2e%2e;x', '.;']) {
    const target = `/api/v1/t/${spelling}/ws`;
    const res = await rawRequest(gw.url, `GET ${target} HTTP/1.1`, ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']);
    t.equal(res.status, 400, `${target}: 400`);
    t.equal(upstream.seen.length, 0, `${target}: nothing forwarded`);
  }
});

t.test('a Destination with such a segment is refused', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret } = await gw.addAccessToken('*', { username: 'alice' });
  for (const spelling of spellings) {
    for (const destination of [`${gw.url}/originals/${spelling}/api/v1/users`, `/originals/a/${spelling}`, `${gw.url}/originals/${spelling}/${spelling}/x`]) {
      for (const method of ['COPY', 'MOVE']) {
        const label = `${method} to ${destination}`;
        const before = upstream.seen.length;
        const res = await rawRequest(gw.url, `${method} /originals/a.jpg HTTP/1.1`, [`X-Auth-Token: ${secret}`, `Destination: ${destination}`]);
        t.equal(res.status, 400, `${label}: 400`);
        t.equal(JSON.parse(res.body).error, 'invalid_request', `${label}: invalid_request`);
        t.equal(upstream.seen.length, before, `${label}: nothing forwarded`);
      }
    }
  }
});

t.test('parameters that would change the rule are refused, in the target and in Destination', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  // `users` but not `password`: Tomcat would read password;x as password, another rule's scope.
  const { secret } = await gw.addAccessToken('users photos webdav albums', { username: 'alice' });
  const rows: { method: string; target: string; destination?: string }[] = [
    { method: 'PUT', target: '/api/v1/users/alice/password;x' },
    { method: 'PUT', target: '/api/v1/users/alice/password%3Bx' },
    { method: 'PUT', target: '/api/v1/users/alice/password;' },
    { method: 'GET', target: '/api/v1/users;x/alice' },
    { method: 'GET', target: '/api/v1/photos;x/abc' },
    { method: 'GET', target: '/api/v1/albums/a1/t;x/tok' },
    { method: 'GET', target: '/originals;x/a.jpg' },
    { method: 'MOVE', target: '/originals/a.jpg', destination: '/originals;x/b.jpg' },
    { method: 'COPY', target: '/originals/a.jpg', destination: `${gw.url}/api/v1/users;x/b` },
  ];
  for (const row of rows) {
    const label = `${row.method} ${row.target}${row.destination ? ` to ${row.destination}` : ''}`;
    const before = upstream.seen.length;
    const lines = [`X-Auth-Token: ${secret}`, ...(row.destination ? [`Destination: ${row.destination}`] : [])];
    const res = await rawRequest(gw.url, `${row.method} ${row.target} HTTP/1.1`, lines);
    t.equal(res.status, 400, `${label}: 400`);
    t.equal(JSON.parse(res.body).error, 'invalid_request', `${label}: invalid_request`);
    t.equal(upstream.seen.length, before, `${label}: nothing forwarded`);
  }
});

t.test('names that contain a semicolon keep working, both ways', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret } = await gw.addAccessToken('*', { username: 'alice' });
  const rows: { method: string; target: string; destination?: string; forwarded: string; forwardedDestination?: string }[] = [
    { method: 'GET', target: '/originals/a;b.jpg', forwarded: '/originals/a;b.jpg' },
    { method: 'PUT', target: '/originals/dir;v=1/a;b.jpg', forwarded: '/originals/dir;v=1/a;b.jpg' },
    { method: 'GET', target: '/originals/...;x', forwarded: '/originals/...;x' },
    { method: 'GET', target: '/originals/a%3Bb.jpg', forwarded: '/originals/a%3Bb.jpg' },
    { method: 'GET', target: '/api/v1/t/tok;en/x', forwarded: '/api/v1/t/tok;en/x' },
    { method: 'MOVE', target: '/originals/a;b.jpg', destination: `${gw.url}/originals/c;d.jpg`, forwarded: '/originals/a;b.jpg', forwardedDestination: `${gw.url}/originals/c;d.jpg` },
    { method: 'COPY', target: '/originals/a.jpg', destination: '/originals/x;y/b.jpg', forwarded: '/originals/a.jpg', forwardedDestination: '/originals/x;y/b.jpg' },
  ];
  for (const row of rows) {
    const label = `${row.method} ${row.target}${row.destination ? ` to ${row.destination}` : ''}`;
    const lines = [`X-Auth-Token: ${secret}`, ...(row.destination ? [`Destination: ${row.destination}`] : [])];
    const res = await rawRequest(gw.url, `${row.method} ${row.target} HTTP/1.1`, lines);
    t.equal(res.status, 200, `${label}: 200`);
    t.equal(upstream.last()?.url, row.forwarded, `${label}: forwarded as named`);
    if (row.forwardedDestination) t.equal(upstream.last()?.headers.destination, row.forwardedDestination, `${label}: Destination forwarded as named`);
  }
});
