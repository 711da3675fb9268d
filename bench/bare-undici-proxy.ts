/**
 * The other forwarding engine issue 6 point 3 compares: a node:http server forwarding each
 * request through undici's pooled client (`Pool.dispatch`, bodies streamed both ways with
 * backpressure), with no authentication, in its own process. Hop-by-hop headers are dropped
 * because undici refuses to send them.
 *
 *   node dist/bench/bare-undici-proxy.js UPSTREAM_URL   → prints `listening on http://127.0.0.1:PORT`
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { exitWhenParentGoes } from './child-processes.js';

const target = process.argv[2];
if (target === undefined) throw new Error('usage: bare-undici-proxy UPSTREAM_URL');
const pool = new Pool(target, { connections: 512, pipelining: 1 });
const requestHop = ['connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'expect', 'proxy-connection', 'trailer'];
const responseHop = ['connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'proxy-connection', 'trailer'];

function without(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>, names: readonly string[]) {
  const copy = { ...headers };
  for (const name of names) delete copy[name];
  return copy;
}

const server = createServer((req, res) => {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.dispatch(
    {
      method: req.method as 'GET',
      path: req.url ?? '/',
      headers: without(req.headers, requestHop) as Record<string, string>,
      body: hasBody ? req : null,
    },
    {
      onRequestStart(controller) {
        res.once('close', () => {
          if (!res.writableFinished) controller.abort(new Error('client went away'));
        });
      },
      onResponseStart(controller, statusCode, headers) {
        res.writeHead(statusCode, without(headers, responseHop));
        res.on('drain', () => controller.resume());
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) controller.pause();
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError(_controller, error) {
        if (res.headersSent) res.destroy(error);
        else res.writeHead(502).end();
      },
    },
  );
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
exitWhenParentGoes();
