import t from 'tap';
import { isScopeSubset, parseScopeGrant, scopeAllows } from '../../../src/access/scope-grant.js';

const cases: { scope: string; resource: string; method: string; allowed: boolean }[] = [
  { scope: '*', resource: 'photos', method: 'DELETE', allowed: true },
  { scope: 'photos', resource: 'photos', method: 'GET', allowed: true },
  { scope: 'photos', resource: 'albums', method: 'GET', allowed: false },
  { scope: 'albums photos', resource: 'albums', method: 'POST', allowed: true },
  { scope: 'photos read', resource: 'photos', method: 'GET', allowed: true },
  { scope: 'photos read', resource: 'photos', method: 'HEAD', allowed: true },
  { scope: 'photos read', resource: 'photos', method: 'OPTIONS', allowed: true },
  { scope: 'webdav read', resource: 'webdav', method: 'PROPFIND', allowed: true },
  { scope: 'webdav read', resource: 'webdav', method: 'PROPPATCH', allowed: false },
  { scope: 'webdav read', resource: 'webdav', method: 'LOCK', allowed: false },
  { scope: 'webdav read', resource: 'webdav', method: 'UNLOCK', allowed: false },
  { scope: 'webdav read', resource: 'webdav', method: 'COPY', allowed: false },
  { scope: 'webdav read', resource: 'webdav', method: 'MKCOL', allowed: false },
  { scope: 'photos write', resource: 'photos', method: 'GET', allowed: false },
  { scope: 'photos write', resource: 'photos', method: 'PUT', allowed: true },
  { scope: 'photos read write', resource: 'photos', method: 'PUT', allowed: true },
  { scope: '* read', resource: 'albums', method: 'GET', allowed: true },
  { scope: '* read', resource: 'albums', method: 'DELETE', allowed: false },
  { scope: 'read', resource: 'albums', method: 'GET', allowed: true },
  { scope: 'read', resource: 'albums', method: 'POST', allowed: false },
  { scope: '', resource: 'photos', method: 'GET', allowed: false },
];

for (const c of cases) {
  t.test(`"${c.scope}" ${c.method} ${c.resource}`, async (t) => {
    t.equal(scopeAllows(parseScopeGrant(c.scope), c.resource, c.method), c.allowed);
  });
}

const subsets: { requested: string; granted: string; subset: boolean }[] = [
  { requested: 'photos', granted: '*', subset: true },
  { requested: '*', granted: 'photos', subset: false },
  { requested: 'photos', granted: 'albums photos', subset: true },
  { requested: 'albums photos', granted: 'photos', subset: false },
  { requested: 'photos read', granted: 'photos', subset: true },
  { requested: 'photos', granted: 'photos read', subset: false },
  { requested: 'read', granted: '*', subset: true },
  { requested: '* read', granted: 'photos', subset: false },
];
for (const c of subsets) {
  t.test(`"${c.requested}" within "${c.granted}"`, async (t) => {
    t.equal(isScopeSubset(parseScopeGrant(c.requested), parseScopeGrant(c.granted)), c.subset);
  });
}
