/**
 * Drift tests: config.example.yaml loads, documents every key with exactly the built-in
 * default, and the loader reports every problem with its key path.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

const example = new URL('../../../config.example.yaml', import.meta.url).pathname;

function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

t.test('config.example.yaml loads and equals the built-in defaults', async (t) => {
  const fromExample = loadConfig({ file: example, env: {} }).config;
  const defaults = loadConfig({ env: {}, file: undefined }).config;
  const { store: a, ...restA } = fromExample;
  const { store: b, ...restB } = defaults;
  t.same(restA, restB, 'every value in the example is the default');
  t.equal(a.reloadIntervalMs, b.reloadIntervalMs);
  t.ok(a.path.endsWith('/data/photogate.json'), 'store path resolved relative to the file');
});

t.test('every key is documented in the example, commented-out optional ones included', async (t) => {
  const text = readFileSync(example, 'utf8');
  const documented = new Set(leafPaths(parse(text.replace(/^( *)# ?(publicUrl|password):/gm, '$1$2:'))));
  const defaults = loadConfig({ env: {}, file: undefined }).config;
  for (const path of [...leafPaths(defaults), 'publicUrl', 'admin.password']) {
    t.ok(documented.has(path), `${path} is in config.example.yaml`);
  }
});

t.test('problems are reported all at once, with key paths', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'listen: nope\nupstream:\n  url: ftp://x\n  extra: 1\ncache:\n  maxEntries: -1\nroutes:\n  rules:\n    - path: relative\n      scope: photos\nunknownTop: true\n');
  const error = t.throws(() => loadConfig({ file, env: {} })) as unknown as ConfigError;
  t.type(error, ConfigError);
  const joined = error.problems.join('\n');
  for (const path of ['listen:', 'upstream.url:', 'upstream.extra: unknown key', 'cache.maxEntries:', 'routes.rules.0.path:', 'unknownTop: unknown key']) {
    t.match(joined, path);
  }
});

t.test('precedence: overrides over environment over file over defaults', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'listen: 127.0.0.1:1111\nupstream:\n  url: http://file:1\n' });
  const file = join(dir, 'c.yaml');
  t.equal(loadConfig({ file, env: {} }).config.listen, '127.0.0.1:1111');
  t.equal(loadConfig({ file, env: { PHOTOGATE_LISTEN: '127.0.0.1:2222' } }).config.listen, '127.0.0.1:2222');
  t.equal(loadConfig({ file, env: { PHOTOGATE_LISTEN: '127.0.0.1:2222' }, overrides: { listen: '127.0.0.1:3333' } }).config.listen, '127.0.0.1:3333');
  t.equal(loadConfig({ env: { PHOTOGATE_CONFIG: file } }).file, file, 'PHOTOGATE_CONFIG names the file');
  t.equal(loadConfig({ file, env: { PHOTOGATE_UPSTREAM: 'http://env:2' } }).config.upstream.url, 'http://env:2');
  t.equal(loadConfig({ file, env: { PHOTOGATE_ADMIN_PASSWORD: 'from-the-env' } }).config.admin.password, 'from-the-env');
  t.throws(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }), ConfigError, 'a named file that does not exist is an error');
  const bad = join(dir, 'dup.yaml');
  writeFileSync(bad, 'listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n');
  t.throws(() => loadConfig({ file: bad, env: {} }), ConfigError, 'duplicate keys are an error');
});
