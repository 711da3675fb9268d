/**
 * Bounded fuzzing of the running gateway (issue 5 point 8): a few thousand random and mutated
 * requests from a fixed seed. Whatever arrives, the gateway never answers 500, never dies, and
 * nothing reaches the upstream that its rules would not allow for the credential sent: the echo
 * upstream records every request, each tagged with the fuzz case that sent it.
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
const segments = ['originals', 'import', 'api', 'v1', 'photos', 'albums', 'metrics', 'users', 'config', 't', 'dl', 's', 'static', 'ws', 'oauth', 'token', 'session', '.well-known', '..', '.', '%2e%2e', '%2E.', '%2f', '%5c', '%00', '%0a', '', ';', 'a;b', '%6detrics', '%C3%A9', '\u00e9', '%', '%zz', '*', 'x'.repeat(300), '~user', 'a b', '#frag', '?q=1'];
const queries = ['', '?x=1', '?t=token', '?/../api/v1/metrics', '?%00', '?a=%2F'];

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
  const extras = ['X-Forwarded-User: root', 'X_Auth_Token: x', 'Connection: x-forwarded-scope', 'Destination: /api/v1/config', 'Destination: http://evil/x', 'Content-Length: 0', 'Expect: 100-continue', 'X-Forwarded-For: 1.2.3.4', 'Forwarded: for=1.2.3.4'];
  const random = prng(SEED);
  const sent = new Map<string, string>();
  const statuses = new Map<number, number>();

  for (let i = 0; i < REQUESTS; i++) {
    const path = `/${Array.from({ length: 1 + Math.floor(random.next() * 5) }, () => random.pick(segments)).join(random.next() < 0.1 ? '//' : '/')}`;
    const credential = random.pick(credentials);
    const lines = [...credential.lines, `X-Fuzz-Id: ${i}`];
    if (random.next() < 0.5) lines.push(random.pick(extras));
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
    if (seen.headers['x-forwarded-user'] !== undefined && seen.headers['x-forwarded-user'] !== 'alice') t.fail(`case ${id}: spoofed identity`);
    if (['COPY', 'MOVE'].includes(seen.method) && !String(seen.headers.destination ?? '').replace(/^https?:\/\/[^/]+/, '').startsWith('/originals')) {
      t.fail(`case ${id}: ${seen.method} to ${String(seen.headers.destination)}`);
    }
  }
  t.pass(`${upstream.seen.length} of ${REQUESTS} requests reached the upstream, each one allowed`);
});
