/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the store answers (the
 * PostgreSQL store: a query, and its notification connection is up) and the upstream accepts a
 * TCP connection), for Docker and Kubernetes probes. No credential needed; nothing secret is said.
 */
import { connect } from 'node:net';
import type { Store } from '../store/store.js';
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

/** The store's own answer, false past `timeoutMs`; a store without checkReady is always ready. */
function storeAnswers(store: Pick<Store, 'checkReady'>, timeoutMs: number): Promise<boolean> {
  if (!store.checkReady) return Promise.resolve(true);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  return Promise.race([store.checkReady().catch(() => false), late]).finally(() => clearTimeout(timer));
}

export function readinessEndpoint(upstreamUrl: string, timeoutMs: number, store: Pick<Store, 'checkReady'>): EndpointHandler {
  const url = new URL(upstreamUrl);
  return async ({ res }) => {
    const [storeOk, upstream] = await Promise.all([storeAnswers(store, timeoutMs), canConnect(url, timeoutMs)]);
    if (!storeOk) sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'The store is not reachable.' });
    else if (upstream) sendJson(res, 200, { status: 'ok', store: 'ok', upstream: 'ok' });
    else sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'The upstream server is not reachable.' });
  };
}
