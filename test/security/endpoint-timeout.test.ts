/**
 * The gateway's own endpoints have a whole-request deadline (HAZARDS H10): a client that
 * starts a token request and never finishes its body gets 408 and is disconnected, while
 * everyone else is served; proxied requests (large WebDAV uploads) have no such deadline.
 */
import { connect } from 'node:net';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { parseRawResponse } from '../helpers/raw-http.js';
import { startTestGateway } from '../helpers/test-gateway.js';

t.test('a stalled body on the token endpoint gets 408', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { limits: { endpointTimeoutMs: 300 } as never } });
  const { hostname, port } = new URL(gw.url);
  const started = performance.now();
  const answer = new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
    socket.write(`POST /api/v1/oauth/token HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=cli`);
  });
  t.equal((await fetch(`${gw.url}/healthz`)).status, 200, 'others are served meanwhile');
  const res = parseRawResponse(await answer);
  t.equal(res.status, 408);
  t.equal(JSON.parse(res.body).error, 'request_timeout');
  t.ok(performance.now() - started < 4000, 'and the connection is closed');
});
