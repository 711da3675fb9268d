import t from 'tap';
import { createConfiguredRouteTable } from '../../../src/access/configured-route-table.js';
import { explainRequest } from '../../../src/access/explain-request.js';

const routes = createConfiguredRouteTable({
  routes: { builtin: true, rules: [{ path: '/custom', scope: 'authenticated' }, { path: '/api/v1/albums', scope: 'photos', methods: ['DELETE'] }] },
});
const endpoints = new Set(['/api/v1/oauth/token']);

const cases = [
  { name: 'dot segments resolved before matching', method: 'get', path: '/api/v1/photos/../albums/x', scope: 'albums', expected: { canonical_path: '/api/v1/albums/x', resource: 'albums', access: 'scope', access_kind: 'read', allowed: true } },
  { name: 'scope without the resource', method: 'GET', path: '/api/v1/albums', scope: 'photos', expected: { allowed: false, resource: 'albums' } },
  { name: 'read qualifier refuses a write', method: 'PUT', path: '/api/v1/photos/1', scope: 'photos read', expected: { allowed: false, access_kind: 'write' } },
  { name: 'method-specific configured rule wins', method: 'DELETE', path: '/api/v1/albums/1', scope: 'photos', expected: { allowed: true, rule: { path: '/api/v1/albums', methods: ['DELETE'], scope: 'photos' } } },
  { name: 'no scope given: depends', method: 'GET', path: '/api/v1/photos', expected: { allowed: null, resource: 'photos' } },
  { name: 'public rule', method: 'GET', path: '/api/v1/t/abc/x', expected: { allowed: true, access: 'public', resource: null } },
  { name: 'public rule does not open a write', method: 'POST', path: '/static/x', expected: { allowed: false, refusal: { status: 403, error: 'access_denied' } } },
  { name: 'authenticated rule', method: 'POST', path: '/custom/x', scope: 'anything', expected: { allowed: true, access: 'authenticated' } },
  { name: 'unmapped path', method: 'GET', path: '/nothing', expected: { allowed: false, refusal: { status: 403, error: 'access_denied' }, rule: null } },
  { name: 'encoded slash refused', method: 'GET', path: '/api/v1/photos%2f..', expected: { allowed: false, canonical_path: null, refusal: { status: 400, error: 'invalid_request' } } },
  { name: 'own endpoint', method: 'POST', path: '/api/v1/oauth/token', expected: { endpoint: true, rule: null, allowed: null } },
];

t.test('explainRequest', async (t) => {
  for (const { name, method, path, scope, expected } of cases) {
    t.match(explainRequest(routes, endpoints, { method, path, scope }), expected, name);
  }
});
