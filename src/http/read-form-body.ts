/**
 * Bodies of the gateway's own endpoints: bounded (413 above `limitBytes`, checked against
 * Content-Length before reading and against the bytes actually read), form-encoded per
 * RFC 6749 §4.1.3 / §3.2, or JSON objects as the reference server also accepts. A parameter sent
 * twice is refused (RFC 6749 §3.2).
 */
import type { IncomingMessage } from 'node:http';
import { InvalidRequest, PayloadTooLarge } from '../errors.js';

export type FormParams = ReadonlyMap<string, string>;

async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) throw new PayloadTooLarge({ description: `The body exceeds ${limitBytes} bytes.` });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      req.resume();
      throw new PayloadTooLarge({ description: `The body exceeds ${limitBytes} bytes.` });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function fromUrlEncoded(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (params.has(key)) throw new InvalidRequest({ description: `The parameter ${key} is repeated.` });
    params.set(key, value);
  }
  return params;
}

function fromJson(text: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRequest({ description: 'The body is not valid JSON.' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequest({ description: 'The body must be a JSON object.' });
  }
  const params = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') params.set(key, value);
    else if (typeof value === 'number' || typeof value === 'boolean') params.set(key, String(value));
    else if (value !== null) throw new InvalidRequest({ description: `The parameter ${key} must be a string.` });
  }
  return params;
}

export async function readFormBody(req: IncomingMessage, limitBytes: number): Promise<FormParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const body = await readBody(req, limitBytes);
  if (body.length === 0 && type === '') return new Map();
  if (type === 'application/x-www-form-urlencoded') return fromUrlEncoded(body.toString('utf8'));
  if (type === 'application/json') return fromJson(body.toString('utf8'));
  throw new InvalidRequest({ description: 'Send application/x-www-form-urlencoded or application/json.' });
}
