import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { digestSecret } from '../../src/credentials/secrets.js';
import { isCleanFailure, runCli, runCliJson } from '../helpers/run-cli.js';

type Json = Record<string, unknown>;
const addKeys = [
  'client_id',
  'client_secret',
  'name',
  'role',
  'type',
  'scope',
  'redirect_uris',
  'expires_in',
  'tokens',
];
const viewKeys = [
  'client_id',
  'name',
  'username',
  'role',
  'type',
  'scope',
  'redirect_uris',
  'expires_in',
  'tokens',
  'enabled',
  'created_at',
  'updated_at',
];

async function setup(dir: string, configYaml?: string) {
  const store = join(dir, 'store.json');
  const common = ['--store', store];
  if (configYaml !== undefined) {
    await writeFile(join(dir, 'config.yaml'), configYaml);
    common.push('--config', join(dir, 'config.yaml'));
  }
  const cli = (...args: string[]) => runCliJson<Json>([...args, ...common]);
  return { store, cli, common };
}

t.test('clients add: defaults and flags', async (t) => {
  const { cli } = await setup(t.testdir());
  await cli('users', 'add', 'bob', '--password', 'password1');
  const cases = [
    {
      name: 'defaults',
      args: [],
      expected: { role: 'client', type: 'confidential', scope: '*', redirect_uris: [], expires_in: 86400, tokens: 10 },
    },
    {
      name: 'every flag',
      args: ['-n', 'Prometheus', '-r', 'admin', '-s', 'Metrics', '-e', '600', '-t', '3'],
      expected: { name: 'Prometheus', role: 'admin', scope: 'metrics', expires_in: 600, tokens: 3 },
    },
    {
      name: 'long flags',
      args: ['--name', 'P', '--role', 'client', '--scope', 'photos albums', '--expires', '1', '--tokens', '-1'],
      expected: { name: 'P', scope: 'albums photos', expires_in: 1, tokens: -1 },
    },
    { name: '-t -1 is unlimited', args: ['-t', '-1'], expected: { tokens: -1 } },
    { name: 'for a user', args: ['bob', '-n', 'Indexer'], expected: { name: 'Indexer' }, username: 'bob' },
  ];
  for (const { name, args, expected, username } of cases) {
    const result = await cli('clients', 'add', ...args);
    t.equal(result.code, 0, name, result);
    const json = result.json as Json;
    t.same(Object.keys(json), addKeys, `${name}: keys`);
    t.match(json, expected, name);
    t.match(json.client_id, /^c[0-9a-z]{15}$/, `${name}: client_id`);
    t.match(json.client_secret, /^[A-Za-z0-9]{32}$/, `${name}: client_secret`);
    const shown = (await cli('clients', 'show', json.client_id as string)).json as Json;
    t.same(Object.keys(shown), viewKeys, `${name}: show keys`);
    t.equal(shown.username, username ?? null, `${name}: owner`);
    t.equal(shown.enabled, true);
  }
});

t.test('clients add: defaults from the config', async (t) => {
  const { cli } = await setup(t.testdir(), 'tokens:\n  clientTokenTtlSeconds: 600\n  clientTokenLimit: -1\n');
  t.match((await cli('clients', 'add')).json, { expires_in: 600, tokens: -1 });
});

t.test('the client secret is shown once: not in ls, show or the store file', async (t) => {
  const { cli, store, common } = await setup(t.testdir());
  const added = (await cli('clients', 'add', '-n', 'Prometheus')).json as Json;
  const secret = added.client_secret as string;
  const file = await readFile(store, 'utf8');
  t.notOk(file.includes(secret));
  t.ok(file.includes(digestSecret(secret)));
  for (const args of [['ls'], ['show', added.client_id as string]]) {
    for (const json of [['--json'], []]) {
      const result = await runCli(['clients', ...args, ...common, ...json]);
      t.equal(result.code, 0);
      t.notOk(result.stdout.includes(secret), `clients ${args[0]} ${json.join('')}`);
      t.notOk(result.stdout.includes(digestSecret(secret)));
    }
  }
  const table = await runCli(['clients', 'add', ...common]);
  t.match(table.stdout, /\| Client ID +\| Client Secret +\|\n\|-+\|-+\|\n\| c[0-9a-z]{15} \| [A-Za-z0-9]{32} \|/);
});

t.test('clients ls, mod, rm, reset', async (t) => {
  const { cli, store } = await setup(t.testdir());
  await cli('users', 'add', 'bob', '--password', 'password1');
  const prom = (await cli('clients', 'add', '-n', 'Prometheus', '-s', 'metrics')).json as Json;
  const idx = (await cli('clients', 'add', 'bob', '-n', 'indexer', '-r', 'admin')).json as Json;
  const id = prom.client_id as string;

  const ids = async (...search: string[]) =>
    ((await cli('clients', 'ls', ...search)).json as unknown as Json[]).map((c) => c.client_id).sort();
  t.same(await ids(), [id, idx.client_id].sort());
  t.same(await ids('prom'), [id], 'name prefix, any case');
  t.same(await ids('bob'), [idx.client_id], 'username');
  t.same(await ids('admin'), [idx.client_id], 'role');
  t.same(await ids(id.slice(0, 6)), [id], 'id prefix');
  t.same(await ids('zzz'), []);

  const mods = [
    {
      args: ['-n', 'Prom'],
      expected: { name: 'Prom', scope: 'metrics', expires_in: 86400, tokens: 10, role: 'client' },
    },
    {
      args: ['-s', 'metrics, photos', '-e', '60'],
      expected: { name: 'Prom', scope: 'metrics photos', expires_in: 60 },
    },
    { args: ['-t', '-1', '-r', 'admin'], expected: { tokens: -1, role: 'admin', expires_in: 60 } },
    { args: ['--disable'], expected: { enabled: false, name: 'Prom' } },
    { args: ['--enable'], expected: { enabled: true } },
  ];
  for (const { args, expected } of mods) {
    const result = await cli('clients', 'mod', id, ...args);
    t.equal(result.code, 0, args.join(' '), result);
    t.same(Object.keys(result.json as Json), viewKeys, `mod ${args.join(' ')}: no secret`);
    t.match(result.json, expected, `mod ${args.join(' ')}: only what was given`);
  }

  const regenerated = (await cli('clients', 'mod', id, '--regenerate')).json as Json;
  t.match(regenerated.client_secret, /^[A-Za-z0-9]{32}$/);
  t.not(regenerated.client_secret, prom.client_secret);
  const file = await readFile(store, 'utf8');
  t.ok(file.includes(digestSecret(regenerated.client_secret as string)), 'new digest stored');
  t.notOk(file.includes(digestSecret(prom.client_secret as string)), 'old digest gone');
  t.notOk(file.includes(regenerated.client_secret as string));

  t.same((await cli('clients', 'rm', id)).json, { client_id: id, removed: true });
  t.ok(isCleanFailure(await cli('clients', 'show', id), 1));
  t.same((await cli('clients', 'reset', '--yes')).json, { removed: 1 });
  t.same(await ids(), []);
});

t.test('clients add --redirect-uri: https, loopback http, private-use schemes; kept as given', async (t) => {
  const { cli } = await setup(t.testdir());
  const uris = [
    'https://app.example.org/callback?x=1',
    'http://127.0.0.1/cb',
    'http://[::1]:8080/cb',
    'http://localhost:3000/',
    'com.example.app:/callback',
    'com.example.app://oauth',
    'HTTPS://Upper.Example.org',
  ];
  const result = await cli('clients', 'add', ...uris.flatMap((uri) => ['--redirect-uri', uri]));
  t.equal(result.code, 0, 'accepted', result);
  const added = result.json as Json;
  t.same(added.redirect_uris, uris);
  t.equal(added.type, 'confidential');
  const shown = (await cli('clients', 'show', added.client_id as string)).json as Json;
  t.same(shown.redirect_uris, uris);

  const first = uris[0] as string;
  const repeated = await cli('clients', 'add', '--redirect-uri', first, '--redirect-uri', first);
  t.same((repeated.json as Json).redirect_uris, [first], 'a repeated URI is kept once');
});

t.test('clients add --public: no secret anywhere, type public', async (t) => {
  const { cli, store, common } = await setup(t.testdir());
  const result = await cli('clients', 'add', '--public', '-n', 'Phone app', '--redirect-uri', 'com.example.app:/cb');
  t.equal(result.code, 0, 'accepted', result);
  const added = result.json as Json;
  t.same(Object.keys(added), addKeys);
  t.match(added, { client_secret: null, type: 'public', name: 'Phone app', redirect_uris: ['com.example.app:/cb'] });
  const id = added.client_id as string;
  t.equal(JSON.parse(await readFile(store, 'utf8')).clients[0].secretDigest, null);
  t.match((await cli('clients', 'show', id)).json, { type: 'public' });

  const table = await runCli(['clients', 'add', '--public', ...common]);
  t.equal(table.code, 0);
  t.match(table.stdout, /\| type +\| public +\|/);
  t.notMatch(table.stdout, /Client Secret|shown only this once/);

  const listed = await runCli(['clients', 'ls', ...common]);
  t.match(listed.stdout, /\| Type +\|/);
  t.match(listed.stdout, /\| Redirect URIs +\|/);
  t.match(listed.stdout, /\| public +\| \* +\| com\.example\.app:\/cb +\|/);
  t.match(listed.stdout, /\| public +\| \* +\| - +\|/, 'no redirect URIs: -');
});

t.test('clients mod --redirect-uri replaces the list; --clear-redirect-uris empties it', async (t) => {
  const { cli, common } = await setup(t.testdir());
  const id = ((await cli('clients', 'add', '--redirect-uri', 'https://a.example/cb')).json as Json).client_id as string;
  const steps: { args: string[]; expected: string[] }[] = [
    {
      args: ['--redirect-uri', 'https://b.example/cb', '--redirect-uri', 'http://127.0.0.1/cb'],
      expected: ['https://b.example/cb', 'http://127.0.0.1/cb'],
    },
    { args: ['-n', 'renamed'], expected: ['https://b.example/cb', 'http://127.0.0.1/cb'] },
    { args: ['--redirect-uri', 'com.example.app:/cb'], expected: ['com.example.app:/cb'] },
    { args: ['--clear-redirect-uris'], expected: [] },
  ];
  for (const { args, expected } of steps) {
    const result = await cli('clients', 'mod', id, ...args);
    t.equal(result.code, 0, args.join(' '), result);
    t.same((result.json as Json).redirect_uris, expected, args.join(' '));
    t.same(Object.keys(result.json as Json), viewKeys);
  }
  const shown = await runCli(['clients', 'show', id, ...common]);
  t.match(shown.stdout, /\| redirect_uris +\| - +\|/);
  t.match(shown.stdout, /\| type +\| confidential +\|/);
});
