import type { ServerResponse } from 'node:http';

/** Every JSON answer of ours: no caching (RFC 6749 §5.1 for tokens; harmless elsewhere). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    pragma: 'no-cache',
    ...headers,
  });
  res.end(payload);
}
