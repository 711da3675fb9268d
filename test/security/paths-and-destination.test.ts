/**
 * Hostile request targets against a running gateway (issue 5 point 1): whatever the encoding
 * trick, the rule decided on is the rule of the path forwarded, ambiguous forms are refused
 * with 400, and a refused request never reaches the upstream (the echo upstream records every
 * request). The credential only holds `webdav`, so any trick that reached another resource
 * would show as a forwarded request.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

interface Case {
  target: string;
  method?: string;
  headers?: string[];
  status: number;
  /** The path the upstream saw; undefined = nothing may reach it. */
  forwarded?: string;
}

const refused = (target: string, status = 400): Case => ({ target, status });
const denied = (target: string): Case => ({ target, status: 403 });
const ok = (target: string, forwarded: string): Case => ({ target, status: 200, forwarded });

const cases: Case[] = [
  // Dot segments in every spelling resolve before the decision.
  denied('/originals/../api/v1/metrics'),
  denied('/originals/%2e%2e/api/v1/metrics'),
  denied('/originals/%2E%2E/api/v1/metrics'),
  denied('/originals/.%2e/api/v1/metrics'),
  denied('/originals/%2e./api/v1/metrics'),
  denied('/originals/./../api/v1/users'),
  denied('/originals/x/../../api/v1/config'),
  denied('/originals/%2e%2e/api/v1/metrics/'),
  ok('/originals/a/./b', '/originals/a/b'),
  ok('/originals/a/b/../c', '/originals/a/c'),
  ok('/originals/a/%2e/b', '/originals/a/b'),
  ok('/api/v1/../../originals/x', '/originals/x'),
  // Repeated slashes collapse; the forwarded path is the collapsed one.
  ok('//originals//a///b', '/originals/a/b'),
  ok('/originals//', '/originals/'),
  denied('//api//v1//metrics'),
  // Encoded slashes and backslashes mean different paths to different parsers: refused.
  refused('/originals%2f..%2fapi/v1/metrics'),
  refused('/originals/..%2Fapi/v1/metrics'),
  refused('/originals/a%2Fb'),
  refused('/originals/a%5cb'),
  refused('/originals/a%5Cb'),
  refused('/originals\\..\\api\\v1\\metrics'),
  refused('/originals/a\\b'),
  // NUL and control characters, raw or encoded.
  refused('/originals/a%00b'),
  refused('/originals/a%00/../../api/v1/metrics'),
  refused('/originals/a%0d%0aX-Injected:%201'),
  refused('/originals/a%09b'),
  refused('/originals/a%1fb'),
  refused('/originals/a%7fb'),
  // Overlong, truncated and invalid percent-encodings.
  refused('/originals/%%c0%ae/api'),
  refused('/originals/%'),
  refused('/originals/%4'),
  refused('/originals/%g1'),
  refused('/originals/%%32%65%%32%65/api/v1/metrics'),
  ok('/originals/%C0%AE%C0%AE/x', '/originals/%C0%AE%C0%AE/x'),
  ok('/originals/%c3%a9', '/originals/%C3%A9'),
  // Unreserved escapes decode the way the upstream decodes them.
  denied('/api/v1/%6detrics'),
  denied('/api/v1/%4Detrics'),
  denied('/%61pi/v1/metrics'),
  ok('/%6Friginals/x', '/originals/x'),
  // Path parameters never select another rule: ordinary in a name, refused where they would.
  denied('/originals;/../api/v1/metrics'),
  refused('/api/v1/metrics;/originals'),
  ok('/originals/a;b', '/originals/a;b'),
  // The query string never changes the rule.
  denied('/api/v1/metrics?/originals/'),
  ok('/originals/x?../../api/v1/metrics', '/originals/x?../../api/v1/metrics'),
  ok('/originals/x?a=%2F%2e%2e', '/originals/x?a=%2F%2e%2e'),
  // Absolute-form, authority-form and asterisk-form targets are refused.
  refused('http://127.0.0.1/originals/x'),
  refused('http://evil.example/api/v1/metrics'),
  refused('*', 400),
  // Fragments are not part of a request target.
  refused('/originals/x#/../../api/v1/metrics'),
  // Climbing above the root.
  refused('/../originals/x'),
  refused('/originals/../../x'),
  // Case: paths are case-sensitive; another case is another (unmapped) path.
  denied('/ORIGINALS/x'),
  denied('/Api/v1/metrics'),
];

const destinationCases: { name: string; method: string; destination: (gw: string) => string[]; status: number; forwardedDestination?: (gw: string) => string }[] = [
  { name: 'COPY within WebDAV', method: 'COPY', destination: (gw) => [`${gw}/originals/b.jpg`], status: 200, forwardedDestination: (gw) => `${gw}/originals/b.jpg` },
  { name: 'MOVE within WebDAV, made canonical', method: 'MOVE', destination: (gw) => [`${gw}/originals/x/../y//b.jpg`], status: 200, forwardedDestination: (gw) => `${gw}/originals/y/b.jpg` },
  { name: 'MOVE to an absolute path', method: 'MOVE', destination: () => ['/originals/c.jpg'], status: 200, forwardedDestination: () => '/originals/c.jpg' },
  { name: 'MOVE out of scope', method: 'MOVE', destination: (gw) => [`${gw}/api/v1/photos/x`], status: 403 },
  { name: 'COPY out of scope with dot segments', method: 'COPY', destination: (gw) => [`${gw}/originals/%2e%2e/api/v1/config`], status: 403 },
  { name: 'MOVE to an unmapped path', method: 'MOVE', destination: (gw) => [`${gw}/etc/passwd`], status: 403 },
  { name: 'MOVE to another server', method: 'MOVE', destination: () => ['http://evil.example/originals/x'], status: 400 },
  { name: 'MOVE to an encoded slash', method: 'MOVE', destination: (gw) => [`${gw}/originals/a%2Fb`], status: 400 },
  { name: 'MOVE without Destination', method: 'MOVE', destination: () => [], status: 400 },
  { name: 'MOVE with two Destinations', method: 'MOVE', destination: (gw) => [`${gw}/originals/a`, `${gw}/originals/b`], status: 400 },
  { name: 'MOVE to a non-URI', method: 'MOVE', destination: () => ['::not a uri::'], status: 400 },
];

t.test('hostile request targets', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret } = await gw.addAppPassword('alice', 'webdav');
  const auth = `Authorization: ${basic('alice', secret)}`;
  for (const c of cases) {
    const before = upstream.seen.length;
    const res = await rawRequest(gw.url, `${c.method ?? 'GET'} ${c.target} HTTP/1.1`, [auth, ...(c.headers ?? [])]);
    t.equal(res.status, c.status, `${JSON.stringify(c.target)}: status`);
    if (c.forwarded === undefined) t.equal(upstream.seen.length, before, `${JSON.stringify(c.target)}: nothing forwarded`);
    else t.equal(upstream.last()?.url, c.forwarded, `${JSON.stringify(c.target)}: forwarded as decided`);
  }
});

t.test('COPY and MOVE are authorised for their Destination too', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret } = await gw.addAppPassword('alice', 'webdav');
  const auth = `Authorization: ${basic('alice', secret)}`;
  for (const c of destinationCases) {
    const before = upstream.seen.length;
    const lines = [auth, ...c.destination(gw.url).map((d) => `Destination: ${d}`)];
    const res = await rawRequest(gw.url, `${c.method} /originals/a.jpg HTTP/1.1`, lines);
    t.equal(res.status, c.status, `${c.name}: status`);
    if (c.forwardedDestination) t.equal(upstream.last()?.headers.destination, c.forwardedDestination(gw.url), `${c.name}: Destination forwarded`);
    else t.equal(upstream.seen.length, before, `${c.name}: nothing forwarded`);
  }
});
