import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

const url = 'postgres://photogate@127.0.0.1:5432/photogate';
const cases: { name: string; env: NodeJS.ProcessEnv; store?: string; file?: string; expected: { url?: string; path?: RegExp } }[] = [
  { name: 'default: the file store', env: {}, expected: { url: undefined, path: /data\/photogate\.json$/ } },
  { name: 'PHOTOGATE_STORE_URL', env: { PHOTOGATE_STORE_URL: url }, expected: { url } },
  { name: 'PHOTOGATE_STORE with a URL', env: { PHOTOGATE_STORE: url }, expected: { url } },
  { name: '--store URL', env: {}, store: url, expected: { url } },
  { name: 'postgresql:// too', env: {}, store: url.replace('postgres:', 'postgresql:'), expected: { url: url.replace('postgres:', 'postgresql:') } },
  { name: '--store FILE wins over PHOTOGATE_STORE_URL', env: { PHOTOGATE_STORE_URL: url }, store: '/tmp/x.json', expected: { url: undefined, path: /^\/tmp\/x\.json$/ } },
  { name: 'store.url in the file', env: {}, file: `store:\n  url: ${url}\n`, expected: { url } },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const dir = t.testdir(c.file === undefined ? {} : { 'c.yaml': c.file });
    const { config } = loadConfig({ env: c.env, file: c.file === undefined ? undefined : `${dir}/c.yaml`, overrides: { store: c.store } });
    t.equal(config.store.url, c.expected.url);
    if (c.expected.path) t.match(config.store.path, c.expected.path);
  });
}

t.test('a store.url that is not a postgres URL is a config error', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'store:\n  url: mysql://x/y\n' });
  const error = t.throws(() => loadConfig({ env: {}, file: `${dir}/c.yaml` })) as unknown as ConfigError;
  t.match(error.problems.join('\n'), 'store.url:');
});

t.test('the store is logged without its password', async (t) => {
  const { describeStore } = await import('../../../src/store/open-store.js');
  const described = describeStore({ path: './x.json', reloadIntervalMs: 250, url: 'postgres://photogate:s3cret@db:5432/photogate' });
  t.notMatch(described, 's3cret');
  t.match(described, 'postgres://photogate:***@db:5432/photogate');
  t.equal(describeStore({ path: './x.json', reloadIntervalMs: 250 }), './x.json');
});
