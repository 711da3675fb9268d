/**
 * GET /metrics: the gateway's Prometheus metrics, for credentials whose scope allows `metrics`
 * (PRODUCT.md "health and metrics"). Access is decided by the same admission code as proxied
 * requests, through a one-rule route table.
 */
import type { Registry } from 'prom-client';
import { createAdmitRequest } from '../access/admit-request.js';
import type { Audit } from '../audit/audit.js';
import { createRouteTable } from '../access/route-rules.js';
import type { AuthenticateFrom } from '../credentials/limit-password-checks.js';
import { clientAddress } from './client-address.js';
import type { EndpointHandler } from './router.js';

export function metricsEndpoint(registry: Registry, authenticate: AuthenticateFrom, trustedProxies: ReadonlySet<string>, audit: Audit): EndpointHandler {
  const admit = createAdmitRequest(createRouteTable([], [{ path: '/', scope: 'metrics' }]), authenticate, audit);
  return async ({ req, res, target }) => {
    await admit('GET', target.path, req.headersDistinct, clientAddress(req, trustedProxies));
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    res.end(body);
  };
}
