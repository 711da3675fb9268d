/**
 * Where the OpenID Connect key secret lies (src/oidc/key-secret.ts): beside the store file by
 * default, `oidc.keySecretFile` when set (relative to the config file, or from
 * PHOTOGATE_OIDC_KEY_SECRET_FILE), and required with the PostgreSQL store; requireKeyFiles
 * names both missing key files at once.
 */
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';
import { requireKeyFiles } from '../../../src/config/require-key-files.js';
import { keySecretPath } from '../../../src/oidc/key-secret.js';

const url = 'postgres://photogate@127.0.0.1:5432/photogate';
const cases: { name: string; env?: NodeJS.ProcessEnv; file?: string; expected: RegExp | 'refused' }[] = [
  { name: 'file store: beside the store file', file: 'store:\n  path: ./d/s.json\n', expected: /\/d\/oidc-key-secret$/ },
  { name: 'oidc.keySecretFile: that file, relative to the config', file: 'oidc:\n  keySecretFile: ./k.secret\n', expected: /^\/.*\/k\.secret$/ },
  { name: 'store.url without oidc.keySecretFile: refused', file: `store:\n  url: ${url}\n`, expected: 'refused' },
  { name: 'PHOTOGATE_STORE_URL without it: refused', env: { PHOTOGATE_STORE_URL: url }, expected: 'refused' },
  { name: 'store.url with oidc.keySecretFile', file: `store:\n  url: ${url}\noidc:\n  keySecretFile: /etc/oidc.secret\n`, expected: /^\/etc\/oidc\.secret$/ },
  { name: 'PHOTOGATE_OIDC_KEY_SECRET_FILE wins over the file', env: { PHOTOGATE_STORE_URL: url, PHOTOGATE_OIDC_KEY_SECRET_FILE: '/run/o.secret' }, file: 'oidc:\n  keySecretFile: ./k.secret\n', expected: /^\/run\/o\.secret$/ },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const dir = t.testdir(c.file === undefined ? {} : { 'c.yaml': c.file });
    const { config } = loadConfig({ env: c.env ?? {}, file: c.file === undefined ? undefined : join(dir, 'c.yaml') });
    if (c.expected === 'refused') {
      const error = t.throws(() => keySecretPath(config)) as unknown as ConfigError;
      t.type(error, ConfigError);
      t.match(error.problems.join('\n'), /^oidc\.keySecretFile: required with store\.url/);
      return;
    }
    t.match(keySecretPath(config), c.expected);
  });
}

t.test('requireKeyFiles names both missing files at once, and nothing when both are set', async (t) => {
  const { config } = loadConfig({ env: { PHOTOGATE_STORE_URL: url } });
  const error = t.throws(() => requireKeyFiles(config, 'defaults')) as unknown as ConfigError;
  t.same(error.problems.map((p) => p.split(':')[0]), ['twoFactor.keyFile', 'oidc.keySecretFile']);
  const both = loadConfig({ env: { PHOTOGATE_STORE_URL: url, PHOTOGATE_TWO_FACTOR_KEY_FILE: '/k', PHOTOGATE_OIDC_KEY_SECRET_FILE: '/o' } }).config;
  t.doesNotThrow(() => requireKeyFiles(both, 'defaults'));
});
