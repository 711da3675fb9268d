/**
 * Issue 5 point 3: connections, header time, header size and body size are bounded; going past
 * a bound gives its status (503/408/431/413, 400 for smuggling shapes) and the gateway keeps
 * serving everyone else. Real gateway, raw sockets: fetch would fix the malformed requests.
 */
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { parseRawResponse, rawRequest, type RawResponse } from '../helpers/raw-http.js';
import { startTestGateway } from '../helpers/test-gateway.js';

function openSocket(baseUrl: string): Promise<Socket> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one keep-alive request on an open socket and reads one answer (with Content-Length). */
function requestOn(socket: Socket, requestLine: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let raw = '';
    const timer = setTimeout(() => done(new Error('no answer on the kept-alive connection')), 5000);
    const onData = (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      if (split === -1) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, split))?.[1] ?? 0);
      if (raw.length - split - 4 >= length) done();
    };
    const onClose = () => done(new Error(`connection closed; got ${JSON.stringify(raw)}`));
    function done(error?: Error) {
      clearTimeout(timer);
      socket.off('data', onData).off('close', onClose);
      if (error) reject(error);
      else resolve(parseRawResponse(raw));
    }
    socket.on('data', onData).on('close', onClose);
    socket.write(`${requestLine}\r\nHost: gateway\r\n\r\n`);
  });
}

t.test('connections above limits.maxConnections get 503 and the open ones keep being served', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { limits: { maxConnections: 5 } } });

  const kept = await openSocket(gw.url);
  t.teardown(() => kept.destroy());
  t.equal((await requestOn(kept, 'GET /healthz HTTP/1.1')).status, 200, 'a keep-alive connection is served');
  const idle = await Promise.all(Array.from({ length: 4 }, () => openSocket(gw.url)));
  t.teardown(() => idle.forEach((s) => s.destroy()));

  const refused = await rawRequest(gw.url, 'GET /healthz HTTP/1.1');
  t.equal(refused.status, 503, 'the sixth connection is refused');
  t.equal(refused.headers['retry-after'], '1');
  t.equal(refused.headers.connection, 'close');
  t.equal(JSON.parse(refused.body).error, 'temporarily_unavailable');

  t.equal((await requestOn(kept, 'GET /healthz HTTP/1.1')).status, 200, 'the open keep-alive connection is still served');
  t.equal((await requestOn(kept, 'GET /api/v1/photos HTTP/1.1')).status, 401, 'and reaches the gateway proper');

  idle.forEach((s) => s.destroy());
  const deadline = Date.now() + 3000;
  let after = await rawRequest(gw.url, 'GET /healthz HTTP/1.1');
  while (after.status === 503 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    after = await rawRequest(gw.url, 'GET /healthz HTTP/1.1');
  }
  t.equal(after.status, 200, 'closed connections free their places');
  t.equal(upstream.seen.length, 0, 'nothing reached the upstream');
});

const limits = { headersTimeoutMs: 500, headerBytes: 4096, bodyBytes: 1024 };
const form = 'Content-Type: application/x-www-form-urlencoded';
const bigForm = `grant_type=client_credentials&pad=${'x'.repeat(2 * limits.bodyBytes)}`;
const chunk = (data: string) => `${data.length.toString(16)}\r\n${data}\r\n`;

/** Whole requests, byte for byte; each must be refused with `status` and reach no upstream. */
const hostile: { name: string; status: number; request: string }[] = [
  { name: `headers over limits.headerBytes`, status: 431, request: `GET /api/v1/status HTTP/1.1\r\nHost: g\r\nX-Big: ${'a'.repeat(limits.headerBytes)}\r\n\r\n` },
  { name: 'token body over limits.bodyBytes, Content-Length', status: 413, request: `POST /api/v1/oauth/token HTTP/1.1\r\nHost: g\r\n${form}\r\nContent-Length: ${bigForm.length}\r\nConnection: close\r\n\r\n${bigForm}` },
  { name: 'token body over limits.bodyBytes, chunked', status: 413, request: `POST /api/v1/oauth/token HTTP/1.1\r\nHost: g\r\n${form}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk(bigForm.slice(0, 800))}${chunk(bigForm.slice(800))}0\r\n\r\n` },
  { name: 'Content-Length and Transfer-Encoding', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/v1/status/smuggled HTTP/1.1\r\nHost: g\r\n\r\n' },
  { name: 'two different Content-Lengths', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /api/v1/status/smuggled HTTP/1.1\r\nHost: g\r\n\r\n' },
  { name: 'Transfer-Encoding: chunked, identity', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n' },
  { name: 'obs-fold header line', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nHost: g\r\nX-Folded: a\r\n Transfer-Encoding: chunked\r\n\r\n' },
  { name: 'bare LF after the request line', status: 400, request: 'GET /api/v1/status HTTP/1.1\nHost: g\r\n\r\n' },
  // RFC 9112 §3.2: exactly one valid Host (Node keeps the first of two and passes any value on).
  { name: 'two Host lines', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nHost: g\r\nHost: evil.example\r\nConnection: close\r\n\r\n' },
  { name: 'two Host lines, same value', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nHost: g\r\nHost: g\r\nConnection: close\r\n\r\n' },
  { name: 'Host with a space', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nHost: g evil.example\r\nConnection: close\r\n\r\n' },
  { name: 'Host with a path', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nHost: g/api/v1/metrics\r\nConnection: close\r\n\r\n' },
  { name: 'Host with userinfo', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nHost: user@g\r\nConnection: close\r\n\r\n' },
  { name: 'WebSocket upgrade with two Host lines', status: 400, request: 'GET /api/v1/ws HTTP/1.1\r\nHost: g\r\nHost: evil.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n' },
  { name: 'HTTP/1.1 without Host', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nConnection: close\r\n\r\n' },
  // RFC 9112 §2.3: Node parses these request lines and would answer them as HTTP/1.1.
  { name: 'HTTP/2.0 request line', status: 505, request: 'GET /api/v1/status HTTP/2.0\r\nHost: g\r\nConnection: close\r\n\r\n' },
  { name: 'HTTP/0.9 request line', status: 505, request: 'GET /api/v1/status HTTP/0.9\r\nHost: g\r\nConnection: close\r\n\r\n' },
  { name: 'WebSocket upgrade on an HTTP/2.0 request line', status: 505, request: 'GET /api/v1/ws HTTP/2.0\r\nHost: g\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n' },
  // Framing: every ambiguous body length is refused by the parser before our code runs.
  { name: 'negative Content-Length', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nContent-Length: -1\r\n\r\n' },
  { name: 'Content-Length list', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nContent-Length: 1, 1\r\n\r\nx' },
  { name: 'whitespace before the colon', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nContent-Length : 1\r\n\r\nx' },
  { name: 'two Transfer-Encoding: chunked lines', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'Transfer-Encoding not ending in chunked', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip\r\n\r\nabc' },
  { name: 'chunk size overflow', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nx\r\n0\r\n\r\n' },
  { name: 'bare LF in chunked framing', status: 400, request: 'POST /api/v1/status HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\n0\n\n' },
  { name: 'chunk extension over 16 KiB', status: 413, request: `POST /api/v1/status HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n1;ext="${'a'.repeat(20_000)}"\r\nx\r\n0\r\n\r\n` },
  { name: 'control character in a header name', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nHost: g\r\nX-Bad\u0001: v\r\n\r\n' },
  { name: 'NUL in a header value', status: 400, request: 'GET /api/v1/status HTTP/1.1\r\nHost: g\r\nX-Nul: a\u0000b\r\n\r\n' },
];

function sendBytes(baseUrl: string, bytes: string): Promise<{ response: RawResponse; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (c) => chunks.push(c));
    // The gateway may reset a socket whose body it stopped reading; what was answered still counts.
    socket.on('error', (error) => (chunks.length ? undefined : reject(error)));
    socket.on('close', () => resolve({ response: parseRawResponse(Buffer.concat(chunks).toString('latin1')), ms: Date.now() - started }));
  });
}

t.test('hostile requests get their status, reach no upstream, and the gateway serves the next request', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { limits } });
  for (const c of hostile) {
    const { response } = await sendBytes(gw.url, c.request);
    t.equal(response.status, c.status, c.name);
    t.equal(upstream.seen.length, 0, `${c.name}: nothing reached the upstream`);
    const next = await rawRequest(gw.url, 'GET /api/v1/status HTTP/1.1');
    t.equal(next.status, 200, `${c.name}: the next request is served`);
    upstream.seen.length = 0;
  }
});

t.test('a client sending headers slower than limits.headersTimeoutMs gets 408 or is closed; others are served meanwhile', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { limits } });
  const url = new URL(gw.url);
  const started = Date.now();
  const slow = connect(Number(url.port), url.hostname);
  t.teardown(() => slow.destroy());
  let raw = '';
  slow.on('data', (c) => (raw += c.toString('latin1')));
  slow.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => slow.on('close', () => resolve(Date.now() - started)));
  slow.write('GET /api/v1/status HTTP/1.1\r\nHost: g\r\n');
  let n = 0;
  const drip = setInterval(() => slow.writable && slow.write(`X-Drip-${n++}: a\r\n`), 100);
  t.teardown(() => clearInterval(drip));

  const during = await rawRequest(gw.url, 'GET /api/v1/status HTTP/1.1');
  t.equal(during.status, 200, 'another client is served while the slow one drips');
  const ms = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 4000))]);
  clearInterval(drip);
  t.ok(ms >= limits.headersTimeoutMs - 50 && ms < 2500, `the slow client is cut off after ~${limits.headersTimeoutMs} ms (took ${ms} ms)`);
  if (raw) t.match(raw, /^HTTP\/1\.1 408 /, 'with 408 if anything');
  t.equal(upstream.seen.filter((s) => s.headers['x-drip-0']).length, 0, 'the slow request never reached the upstream');
  t.equal((await rawRequest(gw.url, 'GET /api/v1/status HTTP/1.1')).status, 200, 'the gateway still serves');
});
