/**
 * What the forwarding engine (src/proxy/http-forwarder.ts, undici's pooled client) must keep,
 * against a real upstream that misbehaves on purpose: HEAD and bodiless statuses, repeated
 * response headers, trailers, the upstream's reason phrase, a `Keep-Alive` request header and a
 * chunked upload (HAZARDS H8), `Expect: 100-continue`, the canonical path sent verbatim (H1), and
 * aborts in both directions: a client that goes away ends the upstream request, an upstream that
 * breaks off a response ends the client's. An unparseable upstream answer is a 502.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect as createTcpConnection, createServer as createTcpServer, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { request } from 'undici';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestGateway } from '../helpers/test-gateway.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
}

/** An upstream with one behaviour per path; records what it got and which requests were cut. */
async function startQuirkyUpstream(t: Test) {
  const seen: Seen[] = [];
  const cut: string[] = [];
  const server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('close', () => {
      if (!res.writableFinished) cut.push(req.url ?? '');
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes });
      const path = (req.url ?? '').split('?')[0];
      switch (path) {
        case '/api/v1/photos/cookies':
          res.writeHead(200, [
            ['Set-Cookie', 'a=1; Path=/'],
            ['Set-Cookie', 'b=2; Path=/'],
            ['X-Repeated', 'one'],
            ['X-Repeated', 'two'],
            ['Content-Length', '2'],
          ].flat());
          res.end('ok');
          return;
        case '/api/v1/photos/trailers':
          res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
          res.write('first,');
          res.addTrailers({ 'x-checksum': 'abc' });
          res.end('second');
          return;
        case '/api/v1/photos/empty':
          res.writeHead(204, { 'x-kind': 'no-content' }).end();
          return;
        case '/api/v1/photos/unchanged':
          res.writeHead(304, { etag: '"v1"' }).end();
          return;
        case '/api/v1/photos/reason':
          res.writeHead(299, 'Custom Reason', { 'content-length': '0' }).end();
          return;
        case '/api/v1/photos/broken':
          res.writeHead(200, { 'content-length': '1000000' });
          res.write(Buffer.alloc(1000, 1));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        case '/api/v1/photos/hang':
          return;
        default: {
          const body = JSON.stringify({ bodyBytes });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-head-length': 'yes' });
          res.end(req.method === 'HEAD' ? undefined : body);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, cut, last: () => seen[seen.length - 1] };
}

async function setUp(t: Test) {
  const upstream = await startQuirkyUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const { secret } = await gw.addAccessToken('photos');
  return { upstream, gw, auth: `Bearer ${secret}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('HEAD, 204 and 304 carry no body; HEAD keeps the upstream Content-Length', async (t) => {
  const { gw, auth } = await setUp(t);
  const head = await rawRequest(gw.url, 'HEAD /api/v1/photos/x HTTP/1.1', [`Authorization: ${auth}`]);
  t.equal(head.status, 200);
  t.equal(head.headers['x-head-length'], 'yes');
  t.ok(Number(head.headers['content-length']) > 0, 'Content-Length of the GET answer');
  t.equal(head.body, '', 'no body');
  const empty = await rawRequest(gw.url, 'GET /api/v1/photos/empty HTTP/1.1', [`Authorization: ${auth}`]);
  t.equal(empty.status, 204);
  t.equal(empty.headers['x-kind'], 'no-content');
  t.equal(empty.body, '');
  const unchanged = await rawRequest(gw.url, 'GET /api/v1/photos/unchanged HTTP/1.1', [`Authorization: ${auth}`, 'If-None-Match: "v1"']);
  t.equal(unchanged.status, 304);
  t.equal(unchanged.headers.etag, '"v1"');
  t.equal(unchanged.body, '');
});

t.test('repeated response headers stay separate lines; the reason phrase passes', async (t) => {
  const { gw, auth } = await setUp(t);
  const res = await rawRequest(gw.url, 'GET /api/v1/photos/cookies HTTP/1.1', [`Authorization: ${auth}`]);
  t.equal(res.status, 200);
  const lines = res.raw.split('\r\n\r\n')[0]!.split('\r\n');
  t.same(lines.filter((l) => /^set-cookie:/i.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim()), ['a=1; Path=/', 'b=2; Path=/']);
  t.equal(lines.filter((l) => /^x-repeated:/i.test(l)).length, 2, 'other repeated headers too');
  const reason = await rawRequest(gw.url, 'GET /api/v1/photos/reason HTTP/1.1', [`Authorization: ${auth}`]);
  t.match(reason.raw, /^HTTP\/1\.1 299 Custom Reason\r\n/);
});

t.test('trailers are not forwarded, the body is', async (t) => {
  const { gw, auth } = await setUp(t);
  const res = await rawRequest(gw.url, 'GET /api/v1/photos/trailers HTTP/1.1', [`Authorization: ${auth}`]);
  t.equal(res.status, 200);
  t.equal(res.body, 'first,second');
  t.notOk(res.headers.trailer, 'no Trailer announced');
  t.notMatch(res.raw, /x-checksum/i, 'no trailer field sent');
});

t.test('a Keep-Alive request header and a chunked upload are forwarded (HAZARDS H8)', async (t) => {
  const { upstream, gw, auth } = await setUp(t);
  const chunked = '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
  const res = await rawRequest(
    gw.url,
    'POST /api/v1/photos/upload HTTP/1.1',
    [`Authorization: ${auth}`, 'Keep-Alive: timeout=5, max=100', 'Transfer-Encoding: chunked', 'Content-Type: text/plain'],
    chunked,
  );
  t.equal(res.status, 200);
  t.same(JSON.parse(res.body), { bodyBytes: 11 });
  const seen = upstream.last()!;
  t.equal(seen.bodyBytes, 11);
  t.notOk(seen.headers['keep-alive'], 'Keep-Alive is hop-by-hop');
  t.equal(seen.headers['content-type'], 'text/plain');
});

t.test('Expect: 100-continue: the client gets 100, then the answer; the upstream gets the body', async (t) => {
  const { upstream, gw, auth } = await setUp(t);
  const body = Buffer.alloc(100_000, 7);
  const result = await new Promise<{ continued: boolean; status: number; text: string }>((resolve, reject) => {
    let continued = false;
    const req = httpRequest(`${gw.url}/api/v1/photos/put`, {
      method: 'PUT',
      headers: { authorization: auth, expect: '100-continue', 'content-length': body.length },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, text }));
    });
    req.flushHeaders();
  });
  t.ok(result.continued, '100 Continue came first');
  t.equal(result.status, 200);
  t.same(JSON.parse(result.text), { bodyBytes: body.length });
  t.notOk(upstream.last()!.headers.expect, 'the expectation was met here (RFC 9110 §10.1.1)');
});

t.test('the canonical path and the query go upstream byte for byte (HAZARDS H1)', async (t) => {
  const { upstream, gw, auth } = await setUp(t);
  const res = await rawRequest(gw.url, 'GET /api/v1/photos/x/../%7Ey/%C3%A9%20z?q=%2F..%2F&r=%E2 HTTP/1.1', [`Authorization: ${auth}`]);
  t.equal(res.status, 200);
  t.equal(upstream.last()!.url, '/api/v1/photos/~y/%C3%A9%20z?q=%2F..%2F&r=%E2');
});

t.test('a client that goes away ends the upstream request', async (t) => {
  const { upstream, gw, auth } = await setUp(t);
  const socket = await new Promise<Socket>((resolve) => {
    const url = new URL(gw.url);
    const s = createTcpConnection(Number(url.port), url.hostname, () => resolve(s));
  });
  socket.write(`GET /api/v1/photos/hang HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n\r\n`);
  for (let i = 0; i < 100 && !upstream.seen.some((s) => s.url === '/api/v1/photos/hang'); i++) await sleep(20);
  t.ok(upstream.seen.some((s) => s.url === '/api/v1/photos/hang'), 'the upstream got the request');
  socket.destroy();
  for (let i = 0; i < 100 && !upstream.cut.includes('/api/v1/photos/hang'); i++) await sleep(20);
  t.ok(upstream.cut.includes('/api/v1/photos/hang'), 'and saw it cut when the client left');
  const after = await request(`${gw.url}/api/v1/photos/x`, { headers: { authorization: auth } });
  t.equal(after.statusCode, 200, 'the gateway serves on');
  await after.body.dump();
});

t.test('an upstream that breaks off a response breaks off the client\'s', async (t) => {
  const { gw, auth } = await setUp(t);
  const res = await request(`${gw.url}/api/v1/photos/broken`, { headers: { authorization: auth } });
  t.equal(res.statusCode, 200, 'the answer had started');
  const error = await res.body.arrayBuffer().then(
    () => undefined,
    (e: Error) => e,
  );
  t.ok(error, 'the client sees the body cut short, not a complete short body');
});

t.test('an upstream answer that is not HTTP is a 502', async (t) => {
  const garbage = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n'));
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  t.teardown(() => garbage.close());
  const gw = await startTestGateway(t, { upstream: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}` });
  const { secret } = await gw.addAccessToken('photos');
  const res = await fetch(`${gw.url}/api/v1/photos/x`, { headers: { authorization: `Bearer ${secret}` } });
  t.equal(res.status, 502);
  t.equal(((await res.json()) as { error: string }).error, 'bad_gateway');
});
