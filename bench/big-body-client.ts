/**
 * The big-body client: one request per transfer on a fresh connection, the upload generated from
 * one 256 KiB chunk with backpressure, the download counted and discarded, so no body is ever
 * held. Both fail unless every byte arrived (the upstream answers an upload with the count it got).
 */
import { request } from 'node:http';
import { drained } from './drained.js';

const chunk = Buffer.alloc(256 * 1024, 'u');

export interface Transfer {
  bytes: number;
  seconds: number;
}

export function download(url: string, headers: Record<string, string>, expected: number): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (part: Buffer) => (bytes += part.length));
      res.on('end', () => {
        if (res.statusCode !== 200 || bytes !== expected) reject(new Error(`download from ${url}: ${res.statusCode}, ${bytes} of ${expected} bytes`));
        else resolve({ bytes, seconds: (performance.now() - started) / 1000 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function upload(url: string, headers: Record<string, string>, size: number): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': size, 'content-type': 'application/octet-stream' }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (part: string) => (text += part));
      res.on('end', () => {
        const seconds = (performance.now() - started) / 1000;
        const received = res.statusCode === 200 ? (JSON.parse(text) as { bytes: number }).bytes : -1;
        if (received !== size) reject(new Error(`upload to ${url}: ${res.statusCode}, upstream received ${received} of ${size} bytes`));
        else resolve({ bytes: size, seconds });
      });
    });
    req.on('error', reject);
    void (async () => {
      let left = size;
      while (left > 0) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= part.length;
        if (!req.write(part)) await drained(req);
        if (req.destroyed) return;
      }
      req.end();
    })();
  });
}
