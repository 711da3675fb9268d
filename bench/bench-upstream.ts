/**
 * The upstream every benchmarked configuration forwards to: a minimal node:http server in its own
 * process, doing as little as it can so that the figures measure what sits in front of it.
 *
 *   GET  .../small      200 bytes          (a thumbnail-sized API answer)
 *   GET  .../large      64 KiB
 *   GET  .../bytes/N    N bytes, generated as a stream with backpressure (big-body downloads)
 *   PUT  anything       counts and discards the body, answers {"bytes": N} (big-body uploads)
 *
 * Paths are whatever the caller puts in front (`/api/v1/photos/small`, `/api/v1/t/x/small`,
 * `/originals/bytes/1073741824`), so the same server serves photo-API, public and WebDAV routes.
 * Prints `listening on http://127.0.0.1:PORT`; exits when the benchmark closes our stdin.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exitWhenParentGoes } from './child-processes.js';
import { drained } from './drained.js';

const small = Buffer.alloc(200, 'p');
const large = Buffer.alloc(64 * 1024, 'P');
const streamChunk = Buffer.alloc(256 * 1024, 'B');

function sendFixed(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
}

async function sendGenerated(res: ServerResponse, bytes: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
  let left = bytes;
  while (left > 0 && !res.destroyed) {
    const part = left >= streamChunk.length ? streamChunk : streamChunk.subarray(0, left);
    left -= part.length;
    if (!res.write(part)) await drained(res);
  }
  res.end();
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'PUT') {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const body = JSON.stringify({ bytes });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  const generated = /\/bytes\/(\d+)$/.exec(url);
  if (generated) {
    void sendGenerated(res, Number(generated[1]));
    return;
  }
  sendFixed(res, url.endsWith('/large') ? large : small);
});
server.keepAliveTimeout = 30_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
exitWhenParentGoes();
