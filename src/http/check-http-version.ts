/**
 * RFC 9112 §2.3 and RFC 9110 §15.6.6: this is an HTTP/1.x server. Node's parser accepts request
 * lines naming HTTP/2.0 or HTTP/0.9 and answers them as HTTP/1.1; the gateway would then forward
 * them to the upstream as HTTP/1.1 requests the client never sent. They get 505 instead.
 * Pinned by test/security/limits.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import { HttpVersionNotSupported } from '../errors.js';

export function checkHttpVersion(req: IncomingMessage): HttpVersionNotSupported | undefined {
  if (req.httpVersionMajor === 1) return undefined;
  return new HttpVersionNotSupported({ description: 'Only HTTP/1.0 and HTTP/1.1 are served here.', detail: `HTTP/${req.httpVersion}` });
}
