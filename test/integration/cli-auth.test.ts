import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { digestSecret, isAppPassword } from '../../src/credentials/secrets.js';
import { openFileStore } from '../../src/store/file-store.js';
import { makeToken } from '../fixtures/store/records.js';
import { isCleanFailure, runCli, runCliJson } from '../helpers/run-cli.js';

type Json = Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);
const yearSeconds = 31_536_000;

async function setup(dir: string, configYaml?: string) {
  const store = join(dir, 'store.json');
  const common = ['--store', store];
  if (configYaml !== undefined) {
    await writeFile(join(dir, 'photogate.yaml'), configYaml);
    common.push('--config', join(dir, 'photogate.yaml'));
  }
  const cli = (...args: string[]) => runCliJson<Json>([...args, ...common]);
  const list = async (...args: string[]) => (await cli('auth', 'ls', ...args)).json as unknown as Json[];
  await cli('users', 'add', 'bob', '--password', 'password1');
  return { store, cli, list, common };
}

t.test('auth add: app passwords for users, access tokens without one', async (t) => {
  const { cli } = await setup(t.testdir());
  const cases = [
    {
      name: 'app password',
      args: ['bob', '-n', 'Sync', '-s', 'webdav'],
      expected: { kind: 'app_password', username: 'bob', scope: 'webdav' },
      token: /^[A-Za-z0-9]{6}(-[A-Za-z0-9]{6}){3}$/,
      ttl: yearSeconds,
    },
    {
      name: 'access token',
      args: ['-n', 'Metrics', '-s', 'metrics'],
      expected: { kind: 'access_token', username: null, scope: 'metrics' },
      token: /^[0-9a-f]{48}$/,
      ttl: yearSeconds,
    },
    {
      name: 'username lower-cased',
      args: ['BOB'],
      expected: { kind: 'app_password', username: 'bob', scope: '*' },
      ttl: yearSeconds,
    },
    {
      name: 'scope normalised',
      args: ['-s', 'Photos, albums photos'],
      expected: { scope: 'albums photos' },
      ttl: yearSeconds,
    },
    {
      name: 'long flags',
      args: ['--name', 'x', '--scope', 'files', '--expires', '60'],
      expected: { scope: 'files' },
      ttl: 60,
    },
    { name: '-e 0 is never', args: ['-e', '0'], expected: { expires_at: null }, ttl: null },
    { name: '-e -1 is never', args: ['-e', '-1'], expected: { expires_at: null }, ttl: null },
    { name: '--expires=-1 is never', args: ['--expires=-1'], expected: { expires_at: null }, ttl: null },
    { name: '-e 3600', args: ['bob', '-e', '3600'], expected: { kind: 'app_password' }, ttl: 3600 },
  ];
  for (const { name, args, expected, token, ttl } of cases) {
    const before = now();
    const result = await cli('auth', 'add', ...args);
    t.equal(result.code, 0, name, result);
    const json = result.json as Json;
    t.same(Object.keys(json), ['id', 'token', 'kind', 'username', 'scope', 'expires_at'], `${name}: keys`);
    t.match(json, expected, name);
    t.match(json.id, /^sess[a-z0-9]{8}$/, `${name}: public id`);
    if (token) t.match(json.token, token, `${name}: format`);
    if (json.kind === 'app_password') t.ok(isAppPassword(json.token as string), `${name}: checksum`);
    if (ttl === null) t.equal(json.expires_at, null, `${name}: never`);
    else
      t.ok(
        (json.expires_at as number) >= before + ttl && (json.expires_at as number) <= now() + ttl,
        `${name}: expiry`,
      );
  }
});

t.test('auth add: the default name is generated and the default lifetime comes from the config', async (t) => {
  const cases = [
    { yaml: 'tokens:\n  cliTokenTtlSeconds: 120\n', ttl: 120 },
    { yaml: 'tokens:\n  cliTokenTtlSeconds: 0\n', ttl: null },
    { yaml: 'tokens:\n  cliTokenTtlSeconds: -1\n', ttl: null },
  ];
  for (const { yaml, ttl } of cases) {
    const { cli } = await setup(t.testdir(), yaml);
    const before = now();
    const { json } = await cli('auth', 'add', 'bob');
    if (ttl === null) t.equal(json?.expires_at, null, yaml);
    else t.ok((json?.expires_at as number) - before >= ttl - 1 && (json?.expires_at as number) - now() <= ttl, yaml);
    const [listed] = (await cli('auth', 'ls')).json as unknown as Json[];
    t.match(listed?.name, /^app-[0-9a-f]{6}$/, 'generated name');
  }
});

t.test('secrets are shown once: not in ls, show or the store file', async (t) => {
  const { cli, store, common } = await setup(t.testdir());
  const app = (await cli('auth', 'add', 'bob', '-n', 'Sync')).json as Json;
  const access = (await cli('auth', 'add', '-n', 'Script')).json as Json;
  const file = await readFile(store, 'utf8');
  for (const secret of [app.token, access.token] as string[]) {
    t.notOk(file.includes(secret), 'secret not in the store file');
    t.ok(file.includes(digestSecret(secret)), 'its SHA-256 digest is');
  }
  const outputs = [['ls'], ['ls', '--json'], ['show', app.id as string], ['show', access.id as string, '--json']];
  for (const args of outputs) {
    const result = await runCli(['auth', ...args, ...common]);
    t.equal(result.code, 0);
    for (const secret of [app.token, access.token] as string[]) {
      t.notOk(result.stdout.includes(secret), `auth ${args.join(' ')}: no secret`);
      t.notOk(result.stdout.includes(digestSecret(secret)), `auth ${args.join(' ')}: no digest`);
    }
  }
  const table = await runCli(['auth', 'add', 'bob', ...common]);
  t.match(table.stdout, /\| App Password +\| Authorization Scope \| ID +\| Expires At +\|/);
  t.match(table.stdout, /shown only this once/);
});

t.test('auth ls search, show, rm, reset', async (t) => {
  const { cli, list, store } = await setup(t.testdir());
  await cli('users', 'add', 'alice', '--password', 'password1');
  const sync = (await cli('auth', 'add', 'bob', '-n', 'Sync Phone')).json as Json;
  const alice = (await cli('auth', 'add', 'alice', '-n', 'Laptop')).json as Json;
  const script = (await cli('auth', 'add', '-n', 'script', '-s', 'metrics')).json as Json;
  const seeded = await openFileStore({ path: store, clock: systemClock, watch: false });
  await seeded.addToken(makeToken('sessexpired1', { name: 'old', expiresAt: now() - 10 }));
  await seeded.close();

  const all = await list();
  t.equal(all.length, 4);
  t.same(Object.keys(all[0] as Json), [
    'id',
    'kind',
    'name',
    'username',
    'client_id',
    'scope',
    'grant_type',
    'created_at',
    'expires_at',
    'last_used_at',
    'last_used_from',
  ]);
  t.equal(all[0]?.last_used_at, null, 'never used');
  const searches = [
    { search: 'expired', expected: ['sessexpired1'] },
    { search: 'bob', expected: [sync.id] },
    { search: 'sync', expected: [sync.id], name: 'name prefix, any case' },
    { search: 'access_token', expected: [script.id, 'sessexpired1'] },
    { search: 'app_password', expected: [alice.id, sync.id] },
    { search: (alice.id as string).slice(0, 9), expected: [alice.id] },
    { search: 'nothing', expected: [] },
  ];
  for (const { search, expected, name } of searches) {
    const found = (await list(search)).map((token) => token.id);
    t.same(found.sort(), [...expected].sort(), name ?? `ls ${search}`);
  }

  const shown = await cli('auth', 'show', sync.id as string);
  t.match(shown.json, { id: sync.id, kind: 'app_password', name: 'Sync Phone', username: 'bob', grant_type: 'cli' });
  t.same((await cli('auth', 'show', sync.token as string)).json, shown.json, 'show by the secret itself');

  t.same((await cli('auth', 'rm', sync.id as string)).json, { id: sync.id, removed: true });
  t.ok(isCleanFailure(await cli('auth', 'show', sync.id as string), 1), 'revoked');
  t.same((await cli('auth', 'rm', script.token as string)).json, { id: script.id, removed: true }, 'rm by secret');

  t.same((await cli('auth', 'reset', '--yes')).json, { removed: 2 });
  t.same(await list(), []);
});
