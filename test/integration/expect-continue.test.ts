/**
 * `Expect: 100-continue` (RFC 9110 §10.1.1): the client is told to send its body only once the
 * gateway has decided to take the request. A refused request (no credential, a wrong one, a
 * scope that does not allow it) gets its final status instead of 100 Continue, so an uploader
 * never sends a body that will be thrown away, and nothing reaches the upstream. An admitted
 * upload gets 100 Continue and goes through; photogate's own endpoints answer 100 too, so a
 * client waiting for it is not stalled. Found with litmus's `expect100` test through the
 * gateway: it got 100 Continue without any credential.
 */
import { connect } from 'node:net';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

/**
 * Sends the head of a request that expects 100-continue, and its body only after a 100; resolves
 * with the first answer's head and what followed once the server closes the connection.
 */
function firstAnswer(url: string, lines: readonly string[], body: string): Promise<{ head: string; afterBody: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    let head = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (head === '' && data.includes('\r\n\r\n')) {
        head = data.slice(0, data.indexOf('\r\n\r\n'));
        data = data.slice(head.length + 4);
        // Only a 100 asks for the body (RFC 9110 §15.2.1).
        if (head.startsWith('HTTP/1.1 100 ')) socket.write(body);
        else socket.end();
      }
    });
    socket.on('close', () => resolve({ head, afterBody: data }));
    socket.write(`${lines.join('\r\n')}\r\nHost: ${hostname}:${port}\r\nExpect: 100-continue\r\n\r\n`);
  });
}

t.test('Expect: 100-continue is answered only once the request is admitted', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { webdav: true });
  const app = await gw.addAppPassword('alice', 'webdav');
  const readOnly = await gw.addAppPassword('alice', 'webdav read');
  const body = 'x'.repeat(4096);
  const put = ['PUT /originals/upload.bin HTTP/1.1', `Content-Length: ${body.length}`];

  const refusals = [
    ['no credential', put, 401],
    ['a wrong app password', [...put, `Authorization: ${basic('alice', `${app.secret}x`)}`], 401],
    ['a read-only app password', [...put, `Authorization: ${basic('alice', readOnly.secret)}`], 403],
  ] as const;
  for (const [name, lines, status] of refusals) {
    const before = upstream.seen.length;
    const answer = await firstAnswer(gw.url, lines, body);
    t.match(answer.head, new RegExp(`^HTTP/1\\.1 ${status} `), `${name}: the final status comes first, no 100 Continue`);
    t.match(answer.head, /\r\nConnection: close\r?$/im, `${name}: and the connection closes, since the body never came`);
    t.equal(upstream.seen.length, before, `${name}: nothing reached the upstream`);
  }

  const admitted = await firstAnswer(gw.url, [...put, `Authorization: ${basic('alice', app.secret)}`, 'Connection: close'], body);
  t.match(admitted.head, /^HTTP\/1\.1 100 /, 'admitted: 100 Continue');
  t.match(admitted.afterBody, /^HTTP\/1\.1 200 /, 'admitted: then the upstream answer');
  t.equal(upstream.last()?.bodyBytes, body.length, 'admitted: the upstream got the whole body');
  t.notOk(upstream.last()?.headers.authorization, 'admitted: without the credential');

  const tokenRequest = 'grant_type=client_credentials';
  const endpoint = await firstAnswer(
    gw.url,
    ['POST /api/v1/oauth/token HTTP/1.1', 'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${tokenRequest.length}`, 'Connection: close'],
    tokenRequest,
  );
  t.match(endpoint.head, /^HTTP\/1\.1 100 /, "photogate's own endpoints: 100 Continue");
  t.match(endpoint.afterBody, /^HTTP\/1\.1 401 /, 'then their answer (here: no client credentials)');
});

t.test('HTTP/1.0 never gets 100 Continue (RFC 9110 §10.1.1)', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { webdav: true });
  const app = await gw.addAppPassword('alice', 'webdav');
  const { hostname, port } = new URL(gw.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('close', () => resolve(data));
    socket.write(
      `PUT /originals/old.bin HTTP/1.0\r\nHost: ${hostname}:${port}\r\nAuthorization: ${basic('alice', app.secret)}\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc`,
    );
  });
  t.notMatch(raw, /HTTP\/1\.1 100 /, 'no interim response');
  t.match(raw, /^HTTP\/1\.1 200 /, 'the upload is answered');
});
