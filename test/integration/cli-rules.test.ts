import { join } from 'node:path';
import t from 'tap';
import { runCli, runCliJson } from '../helpers/run-cli.js';

t.test('rules check: text, --json, exit codes, --config', async (t) => {
  const dir = t.testdir({ 'p.yaml': 'routes:\n  rules:\n    - path: /api/v1/albums\n      scope: photos\n      methods: [DELETE]\n' });
  const config = join(dir, 'p.yaml');
  const refused = await runCli(['rules', 'check', 'GET', '/api/v1/photos/../albums/x', '--scope', 'photos'], { cwd: dir });
  t.equal(refused.code, 1, 'refused: exit 1');
  t.match(refused.stdout, /canonical path\s+\/api\/v1\/albums\/x\n/);
  t.match(refused.stdout, /rule\s+\/api\/v1\/albums \(every method\) -> albums\n/);
  t.match(refused.stdout, /access\s+scope albums, read\n/);
  t.match(refused.stdout, /decision\s+refused: 403 insufficient_scope/);

  const passes = await runCliJson(['rules', 'check', 'DELETE', '/api/v1/albums/1', '-s', 'photos', '--scope', 'write', '--config', config], { cwd: dir });
  t.equal(passes.code, 0);
  t.match(passes.json, { canonical_path: '/api/v1/albums/1', rule: { path: '/api/v1/albums', methods: ['DELETE'], scope: 'photos' }, scope: 'photos write', allowed: true });

  const unmapped = await runCliJson(['rules', 'check', 'GET', '/nothing'], { cwd: dir });
  t.match(unmapped.json, { refusal: { status: 403, error: 'access_denied' }, allowed: false });
  t.equal(unmapped.code, 1);

  const usage = await runCli(['rules', 'check', 'GET'], { cwd: dir });
  t.equal(usage.code, 2);
  t.match(usage.stderr, /^photogate rules check: missing PATH/);
  const badScope = await runCli(['rules', 'check', 'GET', '/x', '--scope', 'NOT VALID!'], { cwd: dir });
  t.equal(badScope.code, 2);
});

t.test('rules list: match order, configured rules marked', async (t) => {
  const dir = t.testdir({ 'p.yaml': 'routes:\n  builtin: true\n  rules:\n    - path: /api/v1/albums\n      scope: photos\n      methods: [DELETE]\n' });
  const { code, json } = await runCliJson(['rules', 'list', '--config', join(dir, 'p.yaml')], { cwd: dir });
  t.equal(code, 0);
  const rules = json as unknown as { order: number; path: string; methods: string[] | null; scope: string; source: string }[];
  t.same(rules.map((r) => r.order), rules.map((_, i) => i + 1));
  const custom = rules.findIndex((r) => r.source === 'config');
  const builtinAlbums = rules.findIndex((r) => r.path === '/api/v1/albums' && r.methods === null);
  t.ok(custom >= 0 && custom < builtinAlbums, 'a method-specific rule comes before the same path for every method');
  const text = await runCli(['rules', 'list'], { cwd: dir });
  t.match(text.stdout, /\| # +\| Path +\| Methods +\| Scope +\| Source +\|/);
  t.match(text.stdout, /\/originals +\| every method +\| webdav +\| builtin/);
});
