/**
 * The reference the targets are measured against: http-proxy-3 forwarding every request to the
 * upstream with no authentication and nothing else, in its own process. Its settings are the ones
 * photogate used with http-proxy-3 (a keep-alive agent, an error callback answering 502), so the
 * difference to photogate is what photogate adds.
 *
 *   node dist/bench/bare-http-proxy.js UPSTREAM_URL   → prints `listening on http://127.0.0.1:PORT`
 */
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProxyServer } from 'http-proxy-3';
import { exitWhenParentGoes } from './child-processes.js';

const target = process.argv[2];
if (target === undefined) throw new Error('usage: bare-http-proxy UPSTREAM_URL');
const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 });
const proxy = new ProxyServer({ target, agent });

const server = createServer((req, res) => {
  proxy.web(req, res, {}, () => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
exitWhenParentGoes();
