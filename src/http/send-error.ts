/**
 * The one place an error becomes a response: `{error, error_description, message}` with the
 * error's status and headers (RFC 6749 §5.2, RFC 6750 §3). `message` repeats the description
 * because PhotoPrism's web UI shows `message` in its toasts (PRODUCT.md "error bodies"); an error
 * with a numeric `bodyCode` adds `code` (32 = second factor missing, which makes that UI show
 * its code field). A 5xx never shows its description or cause; the log gets the detail, never a
 * secret (errors carry none).
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { GatewayError, ServerError } from '../errors.js';
import { sendJson } from './send-json.js';

export function toGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : new ServerError({ cause: error });
}

function errorBody(error: GatewayError): Record<string, string | number> {
  if (!error.expose) return { error: error.code };
  const body: Record<string, string | number> = { error: error.code };
  if (error.description !== undefined) {
    body.error_description = error.description;
    body.message = error.description;
  }
  if (error.bodyCode !== undefined) body.code = error.bodyCode;
  return body;
}

function logError(log: Logger, error: GatewayError): void {
  if (error.status >= 500) log[error.logLevel ?? 'error']({ err: error.cause ?? error, code: error.code, detail: error.detail }, 'request failed');
  else log.debug({ code: error.code, status: error.status, detail: error.detail }, 'request refused');
}

export function sendError(res: ServerResponse, thrown: unknown, log: Logger, headers: Record<string, string> = {}): void {
  const error = toGatewayError(thrown);
  logError(log, error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, errorBody(error), { ...headers, ...error.headers });
}

/** For refused WebSocket upgrades: no ServerResponse exists, so the answer is written raw. */
export function sendErrorOnSocket(socket: Duplex, thrown: unknown, log: Logger, headers: Record<string, string> = {}): void {
  const error = toGatewayError(thrown);
  logError(log, error);
  const payload = JSON.stringify(errorBody(error));
  const lines = Object.entries({
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    'cache-control': 'no-store',
    connection: 'close',
    ...headers,
    ...error.headers,
  }).map(([k, v]) => `${k}: ${v}`);
  if (socket.writable) socket.end(`HTTP/1.1 ${error.status} ${statusText(error.status)}\r\n${lines.join('\r\n')}\r\n\r\n${payload}`);
  else socket.destroy();
}

function statusText(status: number): string {
  return ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 504: 'Gateway Timeout' } as Record<number, string>)[status] ?? 'Error';
}
