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
