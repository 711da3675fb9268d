/**
 * Sends a request byte for byte as given, over a plain socket: fetch and undici normalise
 * targets (`/a/../b`, `%2e%2e`) and headers before sending, which would hide exactly what the
 * gateway must handle. Reads the whole answer (the request asks to close).
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol === -1) return out;
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

export function parseRawResponse(raw: string): RawResponse {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).split('\r\n');
  const status = Number((head[0] ?? '').split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rawBody = raw.slice(split + 4);
  return { status, headers, body: headers['transfer-encoding'] === 'chunked' ? dechunk(rawBody) : rawBody, raw };
}

/** `lines` are header lines (`Name: value`); Connection: close is added, and Host unless a line sets it. */
export function rawRequest(baseUrl: string, requestLine: string, lines: readonly string[] = [], body = ''): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const host = lines.some((line) => /^host:/i.test(line)) ? [] : [`Host: ${url.host}`];
  const head = [requestLine, ...host, ...lines, 'Connection: close'].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseRawResponse(Buffer.concat(chunks).toString('latin1'))));
    socket.write(`${head}\r\n\r\n${body}`);
  });
}
