/**
 * Drift test: every metric photogate registers (beyond prom-client's default Node.js metrics) is
 * in docs/metrics.md with its type and each of its labels.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createGatewayMetrics } from '../../../src/http/gateway-metrics.js';

t.test('every registered metric is documented with its labels', async (t) => {
  const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults, prefix: 'photogate_' });
  const defaultNames = new Set(defaults.getMetricsAsArray().map((m) => m.name));
  const own = createGatewayMetrics({ cacheEntries: () => 0, limiterKeys: () => 0 })
    .registry.getMetricsAsArray()
    .filter((m) => !defaultNames.has(m.name));
  t.ok(own.length >= 14, `${own.length} metrics of our own`);
  for (const metric of own) {
    const { name, labelNames, get } = metric as unknown as { name: string; labelNames: string[]; get(): Promise<{ type: string }> };
    const row = new RegExp(`^\\| \`${name}\` \\| (\\w+) \\|([^|]*)\\|`, 'm').exec(doc);
    t.ok(row, `${name} is in docs/metrics.md`);
    const type = (await get.call(metric)).type;
    t.equal(row?.[1], String(type), `${name}: documented as a ${type}`);
    const documented = (row?.[2] ?? '').split(',').map((l) => l.trim().replace(/`/g, '')).filter(Boolean);
    t.same(documented.sort(), [...labelNames].sort(), `${name}: its labels`);
  }
});
