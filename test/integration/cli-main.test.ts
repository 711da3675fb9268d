import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { isCleanFailure, runCli } from '../helpers/run-cli.js';

const commands = ['start', 'check-config', 'users', 'auth', 'clients'];
const subcommands: Record<string, string[]> = {
  users: ['add', 'ls', 'show', 'mod', 'passwd', 'rm', 'disable', 'enable', '2fa'],
  auth: ['add', 'ls', 'show', 'rm', 'reset'],
  clients: ['add', 'ls', 'show', 'mod', 'rm', 'reset'],
};

t.test('photogate --help lists every command with its summary', async (t) => {
  for (const args of [[], ['--help'], ['-h']]) {
    const result = await runCli(args);
    t.equal(result.code, 0, args.join(' ') || 'no arguments');
    t.match(result.stdout, /^Usage: photogate <command>/);
    for (const name of commands) t.match(result.stdout, new RegExp(`^  ${name} +\\S`, 'm'), name);
  }
});

t.test('photogate --version', async (t) => {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  t.same(await runCli(['--version']), { code: 0, stdout: `photogate ${pkg.version}\n`, stderr: '' });
});

t.test('unknown command: one line, exit 2', async (t) => {
  const result = await runCli(['frobnicate']);
  t.ok(isCleanFailure(result, 2), 'clean failure', result);
  t.match(result.stderr, /unknown command "frobnicate"/);
});

t.test('every command and subcommand has --help', async (t) => {
  for (const name of commands) {
    for (const flag of ['--help', '-h']) {
      const result = await runCli([name, flag]);
      t.equal(result.code, 0, `${name} ${flag}`);
      t.match(result.stdout, new RegExp(`^Usage: photogate ${name}`), `${name} ${flag}`);
    }
  }
  for (const [group, names] of Object.entries(subcommands)) {
    const groupHelp = (await runCli([group, '--help'])).stdout;
    for (const name of names) {
      t.match(groupHelp, new RegExp(`^  ${name} `, 'm'), `${group} --help lists ${name}`);
      const result = await runCli([group, name, '--help']);
      t.equal(result.code, 0);
      t.match(result.stdout, new RegExp(`^Usage: photogate ${group} ${name}`), `${group} ${name} --help`);
      t.match(result.stdout, /--config FILE[\s\S]*--store FILE[\s\S]*--json/, 'common options listed');
    }
  }
  const late = await runCli(['auth', 'add', 'bob', '-n', 'x', '--help']);
  t.equal(late.code, 0, '--help anywhere');
  t.match(late.stdout, /^Usage: photogate auth add/);
});

t.test('a corrupt store: exit 1 naming the file, file untouched, stack only with PHOTOGATE_DEBUG', async (t) => {
  const dir = t.testdir();
  for (const content of ['null', '[]', '{"version":1,"users":[', '{"version":2}']) {
    const store = join(dir, 'store.json');
    await writeFile(store, content);
    const result = await runCli(['users', 'ls', '--store', store]);
    t.equal(result.code, 1, content);
    t.match(result.stderr, store, `${content}: names the file`);
    t.equal(result.stderr.trimEnd().split('\n').length, 1, `${content}: one line`);
    t.equal(await readFile(store, 'utf8'), content, `${content}: untouched`);
    const add = await runCli(['auth', 'add', '--store', store]);
    t.equal(add.code, 1);
    t.equal(await readFile(store, 'utf8'), content, `${content}: untouched by a write`);
  }
  const debug = await runCli(['users', 'ls', '--store', join(dir, 'store.json')], { env: { PHOTOGATE_DEBUG: '1' } });
  t.equal(debug.code, 1);
  t.match(debug.stderr, /\n\s+at /, 'stack with PHOTOGATE_DEBUG');
});

t.test('--config and --store: the store flag beats the file', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'store:\n  path: from-config.json\n' });
  const config = join(dir, 'config.yaml');
  await runCli(['auth', 'add', '--config', config]);
  await runCli(['auth', 'add', '--config', config, '--store', join(dir, 'from-flag.json')]);
  const count = async (file: string) =>
    (JSON.parse(await readFile(join(dir, file), 'utf8')).tokens as unknown[]).length;
  t.equal(await count('from-config.json'), 1, 'relative to the config file');
  t.equal(await count('from-flag.json'), 1);
  const env = await runCli(['auth', 'ls', '--json'], {
    cwd: dir,
    env: { PHOTOGATE_STORE: join(dir, 'from-flag.json') },
  });
  t.equal(JSON.parse(env.stdout).length, 1, 'PHOTOGATE_STORE');
});
