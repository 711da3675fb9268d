/**
 * WebDAV methods and their headers pass through untouched, and bodies stream both ways:
 * a large upload is never buffered, and its bytes arrive intact.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import t from 'tap';
import { request } from 'undici';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

t.test('WebDAV methods and headers', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('admin', 'admin-password', { role: 'admin' });
  const { secret } = await gw.addAppPassword('admin', 'webdav');
  const auth = basic('admin', secret);
  const davHeaders = {
    destination: `${gw.url}/originals/b%20c.jpg`,
    depth: 'infinity',
    overwrite: 'F',
    if: '(<opaquelocktoken:abc-123>)',
    'lock-token': '<opaquelocktoken:abc-123>',
    timeout: 'Second-3600',
  };
  for (const method of ['OPTIONS', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'PUT', 'DELETE', 'GET', 'HEAD']) {
    const res = await request(`${gw.url}/originals/a.jpg`, {
      method,
      headers: { authorization: auth, ...davHeaders, 'content-type': 'application/xml' },
      body: ['PROPFIND', 'PROPPATCH', 'LOCK', 'PUT'].includes(method) ? '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"/>' : undefined,
    });
    await res.body.dump();
    t.equal(res.statusCode, 200, `${method} passes`);
    const seen = upstream.last()!;
    t.equal(seen.method, method);
    for (const [name, value] of Object.entries(davHeaders)) t.equal(seen.headers[name], value, `${method}: ${name} untouched`);
  }
});

t.test('bodies stream both ways', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { routes: { rules: [{ path: '/__bytes', scope: 'webdav' }] } as never } });
  await gw.addUser('admin', 'admin-password', { role: 'admin' });
  const { secret } = await gw.addAppPassword('admin', 'webdav');
  const auth = basic('admin', secret);

  const size = 64 * 1024 * 1024;
  const chunk = Buffer.alloc(1024 * 1024, 42);
  const expected = createHash('sha256');
  for (let i = 0; i < size / chunk.length; i++) expected.update(chunk);
  const body = Readable.from((function* () {
    for (let i = 0; i < size / chunk.length; i++) yield chunk;
  })());
  // Chunked upload with Expect: 100-continue, as curl and WebDAV clients send large bodies
  // (node:http, because undici does not send Expect).
  const up = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(`${gw.url}/originals/big.bin`, { method: 'PUT', headers: { authorization: auth, expect: '100-continue' } });
    req.on('continue', () => body.pipe(req));
    req.on('error', reject);
    req.on('response', async (res) => {
      let text = '';
      for await (const part of res) text += part;
      resolve({ status: res.statusCode ?? 0, text });
    });
    req.flushHeaders();
  });
  const seen = JSON.parse(up.text) as { bodyBytes: number; bodySha256: string; headers: Record<string, string> };
  t.equal(up.status, 200);
  t.equal(seen.bodyBytes, size, 'every byte arrived');
  t.equal(seen.bodySha256, expected.digest('hex'), 'intact');
  t.notOk(seen.headers.authorization, 'no credential upstream, even with Expect (HAZARDS H6)');

  const down = await request(`${gw.url}/__bytes/${size}`, { headers: { authorization: auth } });
  let received = 0;
  for await (const part of down.body) received += (part as Buffer).length;
  t.equal(down.statusCode, 200);
  t.equal(received, size, 'download complete');
});
