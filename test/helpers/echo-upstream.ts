/**
 * A real upstream for tests: it records every request it receives (method, raw URL, headers,
 * body size and digest) and answers with that record as JSON, so a test checks what the
 * upstream actually saw; a request whose body was cut off (the connection closed under it) is
 * recorded in `aborted` instead. `/__status/NNN` answers NNN; `/__slow/MS` answers after MS ms;
 * `/__bytes/N` streams N bytes. WebSocket upgrades are accepted and echo what they receive.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  bodyBytes: number;
  bodySha256: string;
}

export interface EchoUpstream {
  url: string;
  seen: SeenRequest[];
  /** Requests whose body never completed: the connection was closed under them. */
  aborted: SeenRequest[];
  /** Requests whose head arrived and whose body is still arriving. */
  inFlight: Set<{ method: string; url: string }>;
  last(): SeenRequest | undefined;
}

export async function startEchoUpstream(t: Test): Promise<EchoUpstream> {
  const seen: SeenRequest[] = [];
  const aborted: SeenRequest[] = [];
  const inFlight = new Set<{ method: string; url: string }>();
  const server = createServer(async (req, res) => {
    const hash = createHash('sha256');
    let bodyBytes = 0;
    const arrival = { method: req.method ?? '', url: req.url ?? '' };
    inFlight.add(arrival);
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        bodyBytes += chunk.length;
        hash.update(chunk);
      }
    } catch {
      aborted.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes, bodySha256: '' });
      return;
    } finally {
      inFlight.delete(arrival);
    }
    const record: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      bodyBytes,
      bodySha256: hash.digest('hex'),
    };
    seen.push(record);
    const url = req.url ?? '';
    const status = /^\/__status\/(\d{3})/.exec(url);
    const slow = /^\/__slow\/(\d+)/.exec(url);
    const bytes = /^\/__bytes\/(\d+)/.exec(url);
    if (slow) await new Promise((r) => setTimeout(r, Number(slow[1])));
    if (bytes) {
      let left = Number(bytes[1]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
      const chunk = Buffer.alloc(65536, 7);
      while (left > 0) {
        const part = chunk.subarray(0, Math.min(left, chunk.length));
        left -= part.length;
        if (!res.write(part)) await new Promise((r) => res.once('drain', r));
      }
      res.end();
      return;
    }
    const payload = JSON.stringify(record);
    res.writeHead(status ? Number(status[1]) : 200, {
      'content-type': 'application/json',
      'x-upstream': 'echo',
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
    });
    res.end(payload);
  });
  server.on('upgrade', (req, socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: 0, bodySha256: '' });
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, aborted, inFlight, last: () => seen[seen.length - 1] };
}
