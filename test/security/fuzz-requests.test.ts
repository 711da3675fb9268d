/**
 * Bounded fuzzing of the running gateway (issue 5 point 8): a few thousand random and mutated
 * requests from a fixed seed. Whatever arrives, the gateway never answers 500, never dies, and
 * nothing reaches the upstream that its rules would not allow for the credential sent: the echo
 * upstream records every request, each tagged with the fuzz case that sent it.
 * Issue 12 taught the generator `;` path parameters (dot segments in disguise, and names with
 * `;`), method-override headers and Destinations with parameters; a second part fuzzes redirect
 * URIs at the authorization endpoint against the test's own reading of exact matching.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

const REQUESTS = 2500;
const SEED = 0x9e3779b9;

/** mulberry32: a tiny deterministic PRNG, so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
}

const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'TRACE', 'FOO'];
const segments = ['originals', 'import', 'api', 'v1', 'photos', 'albums', 'metrics', 'users', 'config', 't', 'dl', 's', 'static', 'ws', 'oauth', 'token', 'session', '.well-known', '..', '.', '%2e%2e', '%2E.', '%2f', '%5c', '%00', '%0a', '', ';', 'a;b', '%6detrics', '%C3%A9', '\u00e9', '%', '%zz', '*', 'x'.repeat(300), '~user', 'a b', '#frag', '?q=1',
  // Path parameters (issue 12): dot segments in disguise, and ordinary names with `;`.
  '..;', '..;x', '.;', '.;x', '..;;', '%2e%2e;', '%2E%2e;x', '.%2e;', '..%3B', '..%3bx', ';x', '%3B', 'a;b.jpg', '..;jsessionid=1', '...;x'];
const queries = ['', '?x=1', '?t=token', '?/../api/v1/metrics', '?%00', '?a=%2F'];
/** Method-override headers (issue 12): none may ever reach the upstream. */
const overrideHeaders = ['X-HTTP-Method-Override: DELETE', 'x-http-method: PUT', 'X_HTTP_Method_Override: MOVE', 'X-Method-Override: PROPPATCH', 'X_Method_Override: delete'];
/** A segment that is `.`, `..` or empty once its `;` parameters are removed. */
const disguisedDotSegment = (path: string) => path.split('/').some((segment) => {
  const name = segment.split(/;|%3B/i)[0];
  return name !== segment && (name === '' || name === '.' || name === '..');
});

t.test(`${REQUESTS} fuzzed requests`, async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { rateLimits: { addressFailureBurst: 1_000_000 } as never } });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret } = await gw.addAppPassword('alice', 'webdav');
  const credentials: { kind: 'valid' | 'invalid' | 'none'; lines: string[] }[] = [
    { kind: 'none', lines: [] },
    { kind: 'valid', lines: [`Authorization: ${basic('alice', secret)}`] },
    { kind: 'valid', lines: [`X-Auth-Token: ${secret}`] },
    { kind: 'invalid', lines: [`Authorization: Bearer ${'0'.repeat(48)}`] },
    { kind: 'invalid', lines: ['Authorization: Basic !!!'] },
    { kind: 'invalid', lines: [`Authorization: ${basic('alice', 'wrong-password')}`] },
    { kind: 'invalid', lines: [`Authorization: ${basic('alice', secret)}`, `X-Auth-Token: ${secret}`] },
    { kind: 'invalid', lines: [`X-Auth-Token: ${secret}`, `X-Auth-Token: ${secret}`] },
    { kind: 'invalid', lines: ['Authorization: Digest username="alice"'] },
  ];
  const extras = ['X-Forwarded-User: root', 'X_Auth_Token: x', 'Connection: x-forwarded-scope', 'Destination: /api/v1/config', 'Destination: http://evil/x', 'Content-Length: 0', 'Expect: 100-continue', 'X-Forwarded-For: 1.2.3.4', 'Forwarded: for=1.2.3.4',
    'Destination: /originals/..;/api/v1/config', 'Destination: /originals/%2e%2e;x/..;/api/v1/users', 'Destination: /originals/a;b.jpg',
    ...overrideHeaders];
  const random = prng(SEED);
  const sent = new Map<string, string>();
  const overridden = new Set<string>();
  const statuses = new Map<number, number>();

  for (let i = 0; i < REQUESTS; i++) {
    const path = `/${Array.from({ length: 1 + Math.floor(random.next() * 5) }, () => random.pick(segments)).join(random.next() < 0.1 ? '//' : '/')}`;
    const credential = random.pick(credentials);
    const lines = [...credential.lines, `X-Fuzz-Id: ${i}`];
    if (random.next() < 0.5) lines.push(random.pick(extras));
    if (lines.some((line) => overrideHeaders.includes(line))) overridden.add(String(i));
    const method = random.pick(methods);
    const target = `${path}${random.pick(queries)}`.replace(/ /g, random.next() < 0.5 ? '%20' : ' ');
    sent.set(String(i), credential.kind);
    const res = await rawRequest(gw.url, `${method} ${target} HTTP/1.1`, lines);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500 && res.status !== 502 && res.status !== 503 && res.status !== 504) {
      t.fail(`case ${i}: ${method} ${JSON.stringify(target)} answered ${res.status}`);
    }
  }
  t.notOk(statuses.has(500), `no 500 among ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.equal((await fetch(`${gw.url}/healthz`)).status, 200, 'still alive');

  const publicPrefixes = ['/api/v1/t', '/api/v1/dl', '/api/v1/status', '/api/v1/svg', '/s', '/static'];
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  for (const seen of upstream.seen) {
    const id = String(seen.headers['x-fuzz-id'] ?? '');
    const kind = sent.get(id);
    const path = seen.url.split('?')[0] ?? '';
    const webdav = under(path, '/originals') || under(path, '/import');
    const isPublic = (seen.method === 'GET' || seen.method === 'HEAD') && (publicPrefixes.some((p) => under(path, p)) || /^\/api\/v1\/(videos\/[^/]+\/[^/]+|albums\/[^/]+\/(t|dl)|labels\/[^/]+\/t|folders\/t|photos\/[^/]+\/dl|zip\/[^/]+)(\/|$)/.test(path));
    if (!(isPublic || (kind === 'valid' && webdav))) t.fail(`case ${id} (${kind}) reached the upstream: ${seen.method} ${seen.url}`);
    if (seen.headers.authorization || seen.headers['x-auth-token'] || seen.headers.x_auth_token) t.fail(`case ${id}: a credential reached the upstream`);
    if (overridden.has(id)) t.fail(`case ${id}: a method-override header reached the upstream`);
    if (Object.keys(seen.headers).some((name) => /^x[-_](http[-_])?method([-_]override)?$/i.test(name))) t.fail(`case ${id}: an override header reached the upstream`);
    if (disguisedDotSegment(path)) t.fail(`case ${id}: a dot segment with parameters reached the upstream: ${path}`);
    if (['COPY', 'MOVE'].includes(seen.method) && disguisedDotSegment(String(seen.headers.destination ?? ''))) t.fail(`case ${id}: a Destination with a dot segment with parameters reached the upstream`);
    if (seen.headers['x-forwarded-user'] !== undefined && seen.headers['x-forwarded-user'] !== 'alice') t.fail(`case ${id}: spoofed identity`);
    if (['COPY', 'MOVE'].includes(seen.method) && !String(seen.headers.destination ?? '').replace(/^https?:\/\/[^/]+/, '').startsWith('/originals')) {
      t.fail(`case ${id}: ${seen.method} to ${String(seen.headers.destination)}`);
    }
  }
  t.pass(`${upstream.seen.length} of ${REQUESTS} requests reached the upstream, each one allowed`);
});

/** Ways to make a redirect URI that is equal to a registered one only after normalisation. */
const redirectMutations: ((uri: string, random: ReturnType<typeof prng>) => string)[] = [
  (u) => u.replace(/^[a-z.]+/, (scheme) => scheme.toUpperCase()),
  (u) => u.replace(/\/\/([a-z])/, (_, c: string) => `//${c.toUpperCase()}`),
  (u) => u.replace(/^(https:\/\/[^/?#]+)/, '$1:443').replace(/^(http:\/\/[^/?#:]+)(?=[/?]|$)/, '$1:80'),
  (u) => u.replace(/\/cb/, '/cb/'),
  (u) => u.replace(/\/cb/, '/./cb'),
  (u) => u.replace(/\/cb/, '/x/../cb'),
  (u) => u.replace(/cb/, '%63b'),
  (u) => `${u}#`,
  (u) => `${u}#frag`,
  (u) => (u.includes('?') ? `${u}&` : `${u}?`),
  (u) => u.replace('://', '://user@'),
  (u, r) => u.replace(/^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::\d+)?/, `$1:${Math.floor(r.next() * 70_000)}`),
  (u) => u.replace(/^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::\d+)?/, '$1'),
  (u) => u.replace('127.0.0.1', 'localhost'),
  (u) => u.replace('127.0.0.1', '127.1'),
  (u) => u.replace('[::1]', '[0:0:0:0:0:0:0:1]'),
  (u) => u.replace(/(\/\/[^/?#:]+)/, '$1.'),
  (u) => u.replace('/cb', '\\cb'),
  (u) => u.replace('/cb', '//cb'),
  (u) => ` ${u}`,
  (u) => u,
];

/** The test's own reading of RFC 8252 §7.3: a loopback URI without its port, or undefined. */
function loopbackWithoutPort(uri: string): string | undefined {
  const match = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::(\d{1,5}))?([/?].*)?$/s.exec(uri);
  if (match === null || (match[2] !== undefined && (Number(match[2]) < 1 || Number(match[2]) > 65535))) return undefined;
  return `${match[1]}${match[3] ?? ''}`;
}

t.test('fuzzed redirect URIs: a redirect only to a registered URI (a loopback one on any port)', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const registered = ['http://127.0.0.1:8765/cb', 'https://app.example.org/cb?x=1', 'http://[::1]/cb', 'com.example.app:/cb'];
  const { clientId } = await gw.addClient({ redirectUris: registered });
  const random = prng(SEED ^ 0x5bd1e995);
  let redirects = 0;
  for (let i = 0; i < 400; i++) {
    let uri = random.pick(registered);
    for (let n = Math.floor(random.next() * 3); n >= 0; n--) uri = random.pick(redirectMutations)(uri, random);
    const loose = loopbackWithoutPort(uri);
    const allowed = registered.includes(uri) || (loose !== undefined && registered.some((r) => loopbackWithoutPort(r) === loose));
    const query = new URLSearchParams({ response_type: 'token', client_id: clientId, redirect_uri: uri, state: String(i) });
    const res = await fetch(`${gw.url}/api/v1/oauth/authorize?${query}`, { redirect: 'manual' });
    await res.text();
    const location = res.headers.get('location');
    if (res.status >= 500) t.fail(`case ${i}: ${JSON.stringify(uri)} answered ${res.status}`);
    if (allowed && (res.status !== 303 || location === null)) t.fail(`case ${i}: registered ${JSON.stringify(uri)} was not redirected`);
    if (!allowed && location !== null) t.fail(`case ${i}: ${JSON.stringify(uri)} was redirected to ${location}`);
    if (location !== null) redirects++;
  }
  t.equal(upstream.seen.length, 0, 'nothing reached the upstream');
  t.pass(`${redirects} of 400 fuzzed redirect URIs were redirected to, each one registered`);
});
