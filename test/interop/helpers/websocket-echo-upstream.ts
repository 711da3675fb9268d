/**
 * A WebSocket echo server that speaks RFC 6455 properly, for real clients: it unmasks what the
 * client sends (§5.3) and echoes text and binary messages back unmasked, answers pings with
 * pongs (§5.5.2) and closes when asked (§5.5.1). The echo upstream in test/helpers pipes raw
 * bytes back, which a real client rejects: a server must never send masked frames (§5.1).
 * Fragmented messages are not needed by the tests and are refused (close 1003).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Test } from 'tap';

export interface WebSocketEchoUpstream {
  url: string;
  upgrades: { url: string; headers: IncomingHttpHeaders }[];
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  // RFC 6455 §5.2: 7-bit length, else 126 + 16-bit, else 127 + 64-bit.
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + extended);
  head[0] = 0x80 | opcode;
  head[1] = extended === 0 ? length : extended === 2 ? 126 : 127;
  if (extended === 2) head.writeUInt16BE(length, 2);
  if (extended === 8) head.writeBigUInt64BE(BigInt(length), 2);
  return Buffer.concat([head, payload]);
}

/** Reads whole frames from `buffer`; returns what is left over. */
function readFrames(buffer: Buffer, onFrame: (fin: boolean, opcode: number, payload: Buffer) => void): Buffer {
  for (;;) {
    if (buffer.length < 2) return buffer;
    const fin = ((buffer[0] as number) & 0x80) !== 0;
    const opcode = (buffer[0] as number) & 0x0f;
    const masked = ((buffer[1] as number) & 0x80) !== 0;
    let length = (buffer[1] as number) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return buffer;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return buffer;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    const maskOffset = offset;
    if (masked) offset += 4;
    if (buffer.length < offset + length) return buffer;
    const payload = Buffer.from(buffer.subarray(offset, offset + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (buffer[maskOffset + (i % 4)] as number);
    onFrame(fin, opcode, payload);
    buffer = buffer.subarray(offset + length);
  }
}

function echo(socket: Duplex): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = readFrames(Buffer.concat([pending, chunk]), (fin, opcode, payload) => {
      if (!fin || opcode === 0) {
        socket.end(frame(0x8, Buffer.from([0x03, 0xeb]))); // 1003: not supported here
      } else if (opcode === 0x1 || opcode === 0x2) {
        socket.write(frame(opcode, payload));
      } else if (opcode === 0x9) {
        socket.write(frame(0xa, payload));
      } else if (opcode === 0x8) {
        socket.end(frame(0x8, payload.subarray(0, 2)));
      }
    });
  });
  socket.on('error', () => socket.destroy());
}

export async function startWebSocketEchoUpstream(t: Test): Promise<WebSocketEchoUpstream> {
  const upgrades: WebSocketEchoUpstream['upgrades'] = [];
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end('WebSocket only\n');
  });
  server.on('upgrade', (req, socket) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers });
    const key = String(req.headers['sec-websocket-key'] ?? '');
    // RFC 6455 §4.2.2: the accept value is SHA-1 of the key and this GUID.
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    echo(socket);
  });
  const sockets = new Set<Duplex>();
  server.on('upgrade', (_req, socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, upgrades };
}
