import t from 'tap';
import { loadConfig } from '../../../src/config/load-config.js';
import { planReload } from '../../../src/config/reload-plan.js';
import type { Config } from '../../../src/config/schema.js';
import { restartKeys } from '../../../src/config/config-json-schema.js';

const base = loadConfig({ env: {}, file: undefined }).config;
const changed = (edit: (c: Config) => void): Config => {
  const next = structuredClone(base) as Config;
  edit(next);
  return next;
};

const cases: { name: string; next: Config; needsRestart: string[]; applied: (c: Config) => boolean }[] = [
  { name: 'nothing changed', next: changed(() => {}), needsRestart: [], applied: () => true },
  { name: 'route rules apply', next: changed((c) => c.routes.rules.push({ path: '/x', scope: 'public' })), needsRestart: [], applied: (c) => c.routes.rules.length === 1 },
  { name: 'log level applies', next: changed((c) => (c.log.level = 'debug')), needsRestart: [], applied: (c) => c.log.level === 'debug' },
  { name: 'upstream headers apply', next: changed((c) => (c.upstream.headers = { 'X-A': '1' })), needsRestart: [], applied: (c) => c.upstream.headers['X-A'] === '1' },
  { name: 'listen waits', next: changed((c) => (c.listen = '127.0.0.1:1')), needsRestart: ['listen'], applied: (c) => c.listen === base.listen },
  { name: 'store path waits', next: changed((c) => (c.store.path = '/elsewhere.json')), needsRestart: ['store.path'], applied: (c) => c.store.path === base.store.path },
  { name: 'cache and limiter wait', next: changed((c) => ((c.cache.maxEntries = 5), (c.rateLimits.addressFailureBurst = 2))), needsRestart: ['cache.maxEntries', 'rateLimits.addressFailureBurst'], applied: (c) => c.cache.maxEntries === base.cache.maxEntries && c.rateLimits.addressFailureBurst === base.rateLimits.addressFailureBurst },
  { name: 'a new audit file waits; the rest applies', next: changed((c) => ((c.log.auditFile = '/a.log'), (c.log.requests = false))), needsRestart: ['log.auditFile'], applied: (c) => c.log.auditFile === undefined && c.log.requests === false },
];

t.test('planReload', async (t) => {
  for (const { name, next, needsRestart, applied } of cases) {
    const plan = planReload(base, next);
    t.same(plan.needsRestart, needsRestart, `${name}: keys named`);
    t.ok(applied(plan.config), `${name}: the configuration run`);
  }
  t.ok(restartKeys().includes('limits.maxConnections'), 'connection limits need a restart');
  t.notOk(restartKeys().includes('limits.bodyBytes'), 'body limit applies on reload');
});
