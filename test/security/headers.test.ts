/**
 * Issue 5 point 2, as a table against a running gateway: whatever headers a client sends, the
 * upstream gets no credential in any spelling (HAZARDS H4, H13), our identity headers and no
 * copy the client made of them (any case, `_` for `-`), no hop-by-hop header (RFC 9110 §7.6.1),
 * however the client's `Connection` names them (H5), and `X-Forwarded-For` extended only from a
 * trusted proxy. Duplicated or competing credentials are refused with 400 and reach nobody (H9).
 * Raw sockets, because HTTP clients refuse to send most of these.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

interface Credentials {
  /** `Authorization: Basic` with alice's app password. */
  auth: string;
  /** The same app password, for token headers. */
  token: string;
}

interface HeaderCase {
  name: string;
  lines: (c: Credentials) => string[];
  /** Default GET /originals/x.jpg (WebDAV, alice's scope). */
  target?: string;
  status: number;
  /** Ask the gateway that trusts 127.0.0.1 as a proxy. */
  viaTrustedProxy?: boolean;
  /** Header names the upstream must not see (beyond the credential headers, always checked). */
  absent?: string[];
  /** Headers the upstream must see with exactly these values. */
  equal?: Record<string, string>;
  /** Nothing may reach the upstream. */
  refused?: boolean;
}

const spoofed = (name: string, value = 'root'): HeaderCase => ({
  name: `client-sent ${name}`,
  lines: (c) => [c.auth, `${name}: ${value}`],
  status: 200,
  absent: name.includes('_') ? [name.toLowerCase()] : [],
});
const hopByHop = (line: string, name: string): HeaderCase => ({ name: `hop-by-hop ${line}`, lines: (c) => [c.auth, line], status: 200, absent: [name] });
const twoCredentials = (name: string, lines: (c: Credentials) => string[]): HeaderCase => ({ name, lines, status: 400, refused: true });

const cases: HeaderCase[] = [
  // Identity headers under our names, in every spelling, are replaced by ours.
  spoofed('X-Forwarded-User'),
  spoofed('x-forwarded-user'),
  spoofed('X-FORWARDED-USER'),
  spoofed('X_Forwarded_User'),
  spoofed('x_forwarded_user'),
  spoofed('X-Forwarded_User'),
  spoofed('X-Forwarded-Client', 'evil'),
  spoofed('X_Forwarded_Client', 'evil'),
  spoofed('x-FORWARDED-client', 'evil'),
  spoofed('X-Forwarded-Scope', '*'),
  spoofed('X_FORWARDED_SCOPE', '*'),
  { name: 'X-Forwarded-User twice', lines: (c) => [c.auth, 'X-Forwarded-User: root', 'X-Forwarded-User: admin'], status: 200 },
  { name: 'X-Forwarded-User, empty', lines: (c) => [c.auth, 'X-Forwarded-User:'], status: 200 },
  {
    name: 'spoofed identity on a public route: dropped, none set',
    target: '/api/v1/t/abc/def/tile_224',
    lines: () => ['X-Forwarded-User: root', 'X_Forwarded_Scope: *', 'X-Forwarded-Client: evil'],
    status: 200,
    absent: ['x-forwarded-user', 'x-forwarded-scope', 'x-forwarded-client', 'x_forwarded_scope'],
  },
  {
    name: 'spoofed identity from a trusted proxy: still dropped (trust covers addresses only)',
    viaTrustedProxy: true,
    lines: (c) => [c.auth, 'X-Forwarded-User: root', 'X-Forwarded-Scope: *'],
    status: 200,
  },
  // A Connection header cannot strip our headers, and what it names is removed (RFC 9110 §7.6.1).
  { name: 'Connection: X-Forwarded-User', lines: (c) => [c.auth, 'Connection: X-Forwarded-User'], status: 200 },
  { name: 'Connection: x-forwarded-scope, x-forwarded-client', lines: (c) => [c.auth, 'Connection: x-forwarded-scope, x-forwarded-client'], status: 200 },
  {
    name: 'Connection naming the forwarding headers',
    lines: (c) => [c.auth, 'Connection: X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host'],
    status: 200,
  },
  { name: 'Connection naming a custom header: removed', lines: (c) => [c.auth, 'Connection: keep-alive, X-Hop', 'X-Hop: gone'], status: 200, absent: ['x-hop'] },
  { name: 'Connection naming Authorization', lines: (c) => [c.auth, 'Connection: Authorization'], status: 200 },
  { name: 'Connection naming X-Auth-Token, which carries the credential', lines: (c) => [`X-Auth-Token: ${c.token}`, 'Connection: X-Auth-Token'], status: 200 },
  { name: 'Connection naming Host', lines: (c) => [c.auth, 'Connection: Host'], status: 200 },
  // Hop-by-hop headers end here.
  hopByHop('Proxy-Authorization: Basic Zm9vOmJhcg==', 'proxy-authorization'),
  hopByHop('TE: trailers', 'te'),
  hopByHop('Keep-Alive: timeout=600', 'keep-alive'),
  hopByHop('Proxy-Connection: keep-alive', 'proxy-connection'),
  hopByHop('Trailer: X-Late', 'trailer'),
  hopByHop('Upgrade: websocket', 'upgrade'),
  // Credential headers in other spellings never reach the upstream (HAZARDS H4, H13).
  { name: 'X_Auth_Token alongside a credential', lines: (c) => [c.auth, 'X_Auth_Token: smuggled'], status: 200, absent: ['x_auth_token'] },
  { name: 'X-Session_ID alongside a credential', lines: (c) => [c.auth, 'X-Session_ID: smuggled'], status: 200, absent: ['x-session_id'] },
  { name: 'x_session_id alongside a credential', lines: (c) => [c.auth, 'x_session_id: smuggled'], status: 200, absent: ['x_session_id'] },
  { name: 'X-Session-ID as the credential (H13)', lines: (c) => [`X-Session-ID: ${c.token}`], status: 200 },
  { name: 'header names in upper case', lines: (c) => [c.auth.replace('Authorization', 'AUTHORIZATION')], status: 200 },
  { name: 'scheme names in other cases', lines: (c) => [c.auth.replace('Basic', 'bAsIc')], status: 200 },
  { name: 'an unknown X-Session-ID is refused, never forwarded', lines: () => [`X-Session-ID: ${'0'.repeat(48)}`], status: 401, refused: true },
  { name: 'an underscore-spelled token is no credential: 401', lines: (c) => [`X_Auth_Token: ${c.token}`], status: 401, refused: true },
  // Duplicated or competing credentials (HAZARDS H9, RFC 6750 §2): refused, reaching nobody.
  twoCredentials('two Authorization lines', (c) => [c.auth, `Authorization: ${basic('alice', 'wrong')}`]),
  twoCredentials('two identical Authorization lines', (c) => [c.auth, c.auth]),
  twoCredentials('two X-Auth-Token lines', (c) => [`X-Auth-Token: ${c.token}`, 'X-Auth-Token: other']),
  twoCredentials('Authorization and X-Auth-Token', (c) => [c.auth, `X-Auth-Token: ${c.token}`]),
  twoCredentials('X-Auth-Token and X-Session-ID', (c) => [`X-Auth-Token: ${c.token}`, `X-Session-ID: ${c.token}`]),
  twoCredentials('Bearer and X-Session-ID', (c) => [`Authorization: Bearer ${c.token}`, `X-Session-ID: ${'0'.repeat(48)}`]),
  twoCredentials('Digest Authorization and X-Auth-Token', (c) => ['Authorization: Digest username="alice"', `X-Auth-Token: ${c.token}`]),
  // Forwarding headers: ours, from an untrusted client whatever it sends.
  { name: 'X-Forwarded-For from an untrusted client', lines: (c) => [c.auth, 'X-Forwarded-For: 203.0.113.9'], status: 200, equal: { 'x-forwarded-for': '127.0.0.1' } },
  { name: 'X_Forwarded_For from an untrusted client', lines: (c) => [c.auth, 'X_Forwarded_For: 203.0.113.9'], status: 200, absent: ['x_forwarded_for'], equal: { 'x-forwarded-for': '127.0.0.1' } },
  { name: 'X-Forwarded-Proto: https from the client', lines: (c) => [c.auth, 'X-Forwarded-Proto: https'], status: 200, equal: { 'x-forwarded-proto': 'http' } },
  { name: 'X-Forwarded-Host from the client', lines: (c) => [c.auth, 'X-Forwarded-Host: evil.example'], status: 200 },
  { name: 'Forwarded from the client', lines: (c) => [c.auth, 'Forwarded: for=203.0.113.9;proto=https'], status: 200, absent: ['forwarded'] },
  { name: 'X-Real-IP from the client', lines: (c) => [c.auth, 'X-Real-IP: 203.0.113.9'], status: 200, absent: ['x-real-ip'] },
  { name: 'X-Forwarded-Port from the client', lines: (c) => [c.auth, 'X-Forwarded-Port: 443'], status: 200, absent: ['x-forwarded-port'] },
  // From a configured proxy, X-Forwarded-For is extended (RFC 7239 §5.2 reasons).
  { name: 'X-Forwarded-For from a trusted proxy', viaTrustedProxy: true, lines: (c) => [c.auth, 'X-Forwarded-For: 203.0.113.9'], status: 200, equal: { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' } },
  {
    name: 'two X-Forwarded-For lines from a trusted proxy',
    viaTrustedProxy: true,
    lines: (c) => [c.auth, 'X-Forwarded-For: 203.0.113.9', 'X-Forwarded-For: 198.51.100.7'],
    status: 200,
    equal: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7, 127.0.0.1' },
  },
];

const credentialSpellings = /^(authorization|x[-_]auth[-_]token|x[-_]session[-_]id|proxy-authorization)$/i;

t.test('headers a client sends', async (t) => {
  const upstream = await startEchoUpstream(t);
  const dir = t.testdir({ direct: {}, trusting: {} });
  const direct = await startTestGateway(t, { upstream: upstream.url, dir: join(dir, 'direct') });
  const trusting = await startTestGateway(t, { upstream: upstream.url, dir: join(dir, 'trusting'), config: { trustedProxies: ['127.0.0.1'] } });
  const credentials = new Map<string, { c: Credentials; id: string }>();
  for (const gw of [direct, trusting]) {
    await gw.addUser('alice', 'alice-password', { role: 'admin' });
    const { secret, record } = await gw.addAppPassword('alice', 'webdav');
    credentials.set(gw.url, { c: { auth: `Authorization: ${basic('alice', secret)}`, token: secret }, id: record.id });
  }

  for (const c of cases) {
    const gw = c.viaTrustedProxy ? trusting : direct;
    const { c: creds, id } = credentials.get(gw.url)!;
    const before = upstream.seen.length;
    const res = await rawRequest(gw.url, `GET ${c.target ?? '/originals/x.jpg'} HTTP/1.1`, c.lines(creds));
    t.equal(res.status, c.status, `${c.name}: status`);
    if (c.refused) {
      t.equal(upstream.seen.length, before, `${c.name}: nothing forwarded`);
      continue;
    }
    const seen = upstream.seen[before];
    if (!seen) {
      t.fail(`${c.name}: nothing reached the upstream`);
      continue;
    }
    const names = Object.keys(seen.headers);
    t.same(names.filter((n) => credentialSpellings.test(n)), [], `${c.name}: no credential header`);
    t.notOk(seen.rawHeaders.join('\n').includes(creds.token), `${c.name}: the secret never reaches the upstream`);
    t.notMatch(seen.rawHeaders.join('\n'), /root|evil|smuggled|\*/, `${c.name}: no spoofed value`);
    if (c.target === undefined) {
      t.same([seen.headers['x-forwarded-user'], seen.headers['x-forwarded-client'], seen.headers['x-forwarded-scope']], ['alice', id, 'webdav'], `${c.name}: our identity headers`);
      t.equal(seen.headers['x-forwarded-host'], new URL(gw.url).host, `${c.name}: our X-Forwarded-Host`);
    }
    for (const name of c.absent ?? []) t.notOk(name in seen.headers, `${c.name}: ${name} removed`);
    for (const [name, value] of Object.entries(c.equal ?? {})) t.equal(seen.headers[name], value, `${c.name}: ${name}`);
  }
  t.ok(cases.length >= 45, `${cases.length} cases`);
});

t.test('a WebSocket upgrade gets our identity headers, not the client-sent ones', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret } = await gw.addAppPassword('alice', 'photos');
  const url = new URL(gw.url);
  const socket = connect(Number(url.port), url.hostname);
  t.teardown(() => socket.destroy());
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.write(
    [
      'GET /api/v1/ws HTTP/1.1',
      `Host: ${url.host}`,
      `X-Auth-Token: ${secret}`,
      'X-Forwarded-User: root',
      'X_Forwarded_Scope: *',
      'Connection: Upgrade, X-Forwarded-User',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ].join('\r\n') + '\r\n\r\n',
  );
  const deadline = Date.now() + 3000;
  while (!received.includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.match(received, /^HTTP\/1\.1 101/, 'upgraded');
  const seen = upstream.last()!;
  t.equal(seen.headers['x-forwarded-user'], 'alice');
  t.equal(seen.headers['x-forwarded-scope'], 'photos');
  t.notOk('x_forwarded_scope' in seen.headers);
  t.notOk('x-auth-token' in seen.headers, 'no credential');
  t.match(String(seen.headers.connection).toLowerCase(), /upgrade/);
});
