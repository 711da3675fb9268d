/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the store is loaded and
 * the upstream accepts a TCP connection), for Docker and Kubernetes probes. No credential needed;
 * nothing secret is said.
 */
import { connect } from 'node:net';
import type { EndpointHandler } from './router.js';
import { sendJson } from './send-json.js';

export const livenessEndpoint: EndpointHandler = async ({ res }) => sendJson(res, 200, { status: 'ok' });

function canConnect(url: URL, timeoutMs: number): Promise<boolean> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

export function readinessEndpoint(upstreamUrl: string, timeoutMs: number): EndpointHandler {
  const url = new URL(upstreamUrl);
  return async ({ res }) => {
    const upstream = await canConnect(url, timeoutMs);
    if (upstream) sendJson(res, 200, { status: 'ok', store: 'ok', upstream: 'ok' });
    else sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'The upstream server is not reachable.' });
  };
}
