import { join } from 'node:path';
import t from 'tap';
import { runCli, runCliJson } from '../helpers/run-cli.js';

const badYaml = `listen: nowhere
bogus: 1
tokens:
  clientTokenLimit: -5
  extra: true
upstream:
  url: ftp://example.org
`;
const badPaths = ['listen', 'bogus', 'tokens.clientTokenLimit', 'tokens.extra', 'upstream.url'];

t.test('check-config: valid configurations', async (t) => {
  const dir = t.testdir({
    'good.yaml': 'listen: 127.0.0.1:9000\ntokens:\n  clientTokenLimit: 5\n',
    cwd: { 'photogate.yaml': 'listen: 127.0.0.1:9001\n' },
    empty: {},
  });
  const good = join(dir, 'good.yaml');
  const cases = [
    {
      name: 'no file: built-in defaults',
      args: [],
      cwd: join(dir, 'empty'),
      stdout: 'configuration OK (built-in defaults)\n',
    },
    { name: '--config', args: ['--config', good], stdout: `configuration OK (${good})\n` },
    { name: 'PHOTOGATE_CONFIG', args: [], env: { PHOTOGATE_CONFIG: good }, stdout: `configuration OK (${good})\n` },
    { name: './photogate.yaml', args: [], cwd: join(dir, 'cwd'), stdout: 'configuration OK (photogate.yaml)\n' },
  ];
  for (const { name, args, cwd, env, stdout } of cases) {
    const result = await runCli(['check-config', ...args], { cwd: cwd ?? dir, env });
    t.same(result, { code: 0, stdout, stderr: '' }, name);
  }
  const json = await runCliJson(['check-config', '--config', good]);
  t.same(json.json, { ok: true, file: good, problems: [] });
});

t.test('check-config: every problem with its key path, exit 1', async (t) => {
  const dir = t.testdir({ 'bad.yaml': badYaml, 'broken.yaml': 'a: [\n', 'list.yaml': '- 1\n' });
  const bad = join(dir, 'bad.yaml');
  const result = await runCli(['check-config', '--config', bad]);
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  for (const path of badPaths) t.match(result.stderr, new RegExp(`^  ${path.replace('.', '\\.')}: `, 'm'), path);
  t.notMatch(result.stderr, /\bat .*:\d+:\d+/, 'no stack');

  const json = await runCliJson<{ ok: boolean; problems: string[] }>(['check-config', '--config', bad]);
  t.equal(json.code, 1);
  t.equal(json.json?.ok, false);
  t.same(json.json?.problems.map((p) => p.split(':')[0]).sort(), [...badPaths].sort());

  for (const file of ['broken.yaml', 'list.yaml', 'missing.yaml']) {
    const other = await runCli(['check-config', '--config', join(dir, file)]);
    t.equal(other.code, 1, file);
    t.match(other.stderr, file, `${file}: named`);
  }
  const env = await runCli(['check-config'], { cwd: dir, env: { PHOTOGATE_LISTEN: 'nowhere' } });
  t.equal(env.code, 1, 'environment overrides are checked too');
  t.match(env.stderr, /listen: /);
});

t.test('management commands refuse an invalid configuration', async (t) => {
  const dir = t.testdir({ 'bad.yaml': badYaml });
  const result = await runCli(['users', 'ls', '--config', join(dir, 'bad.yaml'), '--store', join(dir, 's.json')]);
  t.equal(result.code, 1);
  t.match(result.stderr, /tokens\.extra: unknown key/);
});

t.test('check-config: usage errors', async (t) => {
  for (const args of [['--bogus'], ['extra'], ['--config']]) {
    const result = await runCli(['check-config', ...args]);
    t.equal(result.code, 2, args.join(' '));
    t.match(result.stderr, /^photogate check-config: .*\n$/);
  }
});
