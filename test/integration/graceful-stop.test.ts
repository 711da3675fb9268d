/**
 * `photogate start` stops on SIGTERM (what `docker stop` and systemd send) with exit code 0, within
 * its 5 s grace period, whatever its connections are doing: idle keep-alive connections, an
 * exchange still in progress (allowed to finish), an open WebSocket (ended after the grace
 * period), and a client still uploading after the
 * upstream answered early (413 before reading the body) and closed, whose paused connection
 * once kept the process from settling: Node exited with 13 ("unsettled top-level await").
 * Real processes and sockets throughout.
 */
import { createServer, request, type ClientRequest, type Server, type ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';

const adminPassword = 'graceful-stop-admin-password';
const authorization = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`;

async function startGateway(t: Test, upstreamUrl: string): Promise<GatewayProcess> {
  const store = join(t.testdir(), 'store.json');
  return startGatewayProcess(t, ['--store', store, '--upstream', upstreamUrl], { PHOTOGATE_ADMIN_PASSWORD: adminPassword });
}

/** Sends SIGTERM; resolves to the exit code and how long the process took to exit. */
async function stop(gateway: GatewayProcess): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)));
  gateway.child.kill('SIGTERM');
  const code = await exited;
  return { code, ms: performance.now() - started };
}

/** A local upstream answering every request with `answer`. */
async function startUpstream(t: Test, answer: (res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('idle keep-alive connections do not hold up the stop', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gateway = await startGateway(t, upstream.url);
  const agent = new Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  for (let i = 0; i < 3; i++) {
    const status = await new Promise<number>((resolve, reject) => {
      request(`${gateway.url}/api/v1/photos`, { agent, headers: { authorization } }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
    t.equal(status, 200, 'answered through a kept-alive connection');
  }
  const { code, ms } = await stop(gateway);
  t.equal(code, 0, 'exit code 0');
  t.ok(ms < 2000, `stopped in ${Math.round(ms)} ms, without waiting for the grace period`);
  t.match(gateway.stderr(), /"signal":"SIGTERM","msg":"stopping"/, 'the stop is logged');
});

t.test('an exchange in progress finishes before the process exits', async (t) => {
  const slowUpstream = await startUpstream(t, (res) => setTimeout(() => res.end('slow answer'), 600));
  const gateway = await startGateway(t, slowUpstream);
  const answer = fetch(`${gateway.url}/api/v1/photos`, { headers: { authorization } }).then(async (res) => ({ status: res.status, body: await res.text() }));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const stopped = stop(gateway);
  t.same(await answer, { status: 200, body: 'slow answer' }, 'the slow answer still arrived');
  const { code, ms } = await stopped;
  t.equal(code, 0, 'exit code 0');
  t.ok(ms < 2000, `stopped in ${Math.round(ms)} ms, once the answer was out`);
});

t.test('an open WebSocket is ended after the grace period', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gateway = await startGateway(t, upstream.url);
  const socket = await new Promise<Socket>((resolve, reject) => {
    request(`${gateway.url}/api/v1/ws`, { headers: { authorization, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } })
      .on('upgrade', (_res, upgradedSocket) => resolve(upgradedSocket))
      .on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)))
      .on('error', reject)
      .end();
  });
  t.teardown(() => socket.destroy());
  const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.resume();
  const { code, ms } = await stop(gateway);
  t.equal(code, 0, 'exit code 0');
  t.ok(ms >= 4500 && ms < 7000, `stopped in ${Math.round(ms)} ms: the WebSocket had the grace period, then was ended`);
  await socketClosed;
  t.pass('the client saw its WebSocket close');
});

t.test('a client still uploading after the upstream answered early does not keep the process from exiting', async (t) => {
  // Answers 413 as soon as a head arrives, never reads the body, and closes.
  const upstreamUrl = await startUpstream(t, (res) => {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end('{"error":"too_large"}');
  });
  const gateway = await startGateway(t, upstreamUrl);
  const size = 32 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let upload: ClientRequest | undefined;
  const status = await new Promise<number>((resolve, reject) => {
    upload = request(`${gateway.url}/api/v1/photos/upload`, { method: 'PUT', headers: { authorization, 'content-length': size } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    upload.on('error', (error) => reject(error));
    let left = size / chunk.length;
    const pump = () => {
      while (left > 0 && !upload!.destroyed) {
        left--;
        if (!upload!.write(chunk)) {
          upload!.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  t.teardown(() => upload?.destroy());
  // 413 when the gateway read the upstream's answer before its write failed; 502 when the
  // write failed first (undici then reports the broken pipe, not the answer).
  t.ok(status === 413 || status === 502, `the client got an answer (${status}) and keeps its connection open`);
  const { code, ms } = await stop(gateway);
  t.equal(code, 0, 'exit code 0, not 13');
  t.ok(ms < 7000, `stopped in ${Math.round(ms)} ms (grace period 5 s)`);
});
