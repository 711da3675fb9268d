/**
 * Where the two-factor key file lies (src/two-factor/key-file.ts): beside the store file by
 * default, `twoFactor.keyFile` when set (relative to the config file, or from
 * PHOTOGATE_TWO_FACTOR_KEY_FILE), and required with the PostgreSQL store.
 */
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';
import { requireTwoFactorKeyFile } from '../../../src/two-factor/key-file.js';

const url = 'postgres://photogate@127.0.0.1:5432/photogate';
const cases: { name: string; env?: NodeJS.ProcessEnv; file?: string; expected: RegExp | 'refused' }[] = [
  { name: 'file store: beside the store file', file: 'store:\n  path: ./s.json\n', expected: /\/s\.json\.key$/ },
  { name: 'file store with twoFactor.keyFile: that file, relative to the config', file: 'twoFactor:\n  keyFile: ./k.key\n', expected: /^\/.*\/k\.key$/ },
  { name: 'store.url without twoFactor.keyFile: refused', file: `store:\n  url: ${url}\n`, expected: 'refused' },
  { name: 'PHOTOGATE_STORE_URL without it: refused', env: { PHOTOGATE_STORE_URL: url }, expected: 'refused' },
  { name: 'store.url with twoFactor.keyFile', file: `store:\n  url: ${url}\ntwoFactor:\n  keyFile: /etc/pg.key\n`, expected: /^\/etc\/pg\.key$/ },
  { name: 'PHOTOGATE_TWO_FACTOR_KEY_FILE wins over the file', env: { PHOTOGATE_STORE_URL: url, PHOTOGATE_TWO_FACTOR_KEY_FILE: '/run/k.key' }, file: 'twoFactor:\n  keyFile: ./k.key\n', expected: /^\/run\/k\.key$/ },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const dir = t.testdir(c.file === undefined ? {} : { 'c.yaml': c.file });
    const { config } = loadConfig({ env: c.env ?? {}, file: c.file === undefined ? undefined : join(dir, 'c.yaml') });
    if (c.expected === 'refused') {
      const error = t.throws(() => requireTwoFactorKeyFile(config)) as unknown as ConfigError;
      t.type(error, ConfigError);
      t.match(error.problems.join('\n'), /^twoFactor\.keyFile: required with store\.url/);
      return;
    }
    t.match(requireTwoFactorKeyFile(config), c.expected);
  });
}
