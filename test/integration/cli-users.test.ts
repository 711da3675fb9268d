import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { createPasswordHasher } from '../../src/credentials/password-hash.js';
import { isCleanFailure, runCli, runCliJson } from '../helpers/run-cli.js';

type Json = Record<string, unknown>;

function setup(dir: string) {
  const store = join(dir, 'store.json');
  const cli = (...args: string[]) => runCliJson<Json>([...args, '--store', store]);
  const readStore = async () => JSON.parse(await readFile(store, 'utf8')) as { users: Json[] };
  return { store, cli, readStore };
}

t.test('users add: role and WebDAV defaults', async (t) => {
  const { cli } = setup(t.testdir());
  const cases = [
    { args: ['bob', '--password', 'password1'], expected: { username: 'bob', role: 'user', webdav: false } },
    { args: ['Carol', '--password', 'password1'], expected: { username: 'carol', role: 'user', webdav: false } },
    {
      args: ['root', '--role', 'admin', '--password', 'password1'],
      expected: { username: 'root', role: 'admin', webdav: true },
    },
    {
      args: ['ops', '--role', 'admin', '--no-webdav', '--password', 'password1'],
      expected: { username: 'ops', role: 'admin', webdav: false },
    },
    {
      args: ['dave@example.org', '--webdav', '--password', 'password1'],
      expected: { username: 'dave@example.org', role: 'user', webdav: true },
    },
  ];
  for (const { args, expected } of cases) {
    const result = await cli('users', 'add', ...args);
    t.equal(result.code, 0, args.join(' '));
    t.strictSame(result.json, expected, `${args[0]}: exactly username, role, webdav`);
  }
});

t.test('users add stores an argon2id hash, never the password', async (t) => {
  const { cli, readStore, store } = setup(t.testdir());
  t.equal((await cli('users', 'add', 'bob', '--password', 'correct horse')).code, 0);
  const text = await readFile(store, 'utf8');
  t.notOk(text.includes('correct horse'), 'password not in the store file');
  const [user] = (await readStore()).users;
  t.match(user?.passwordHash, /^\$argon2id\$/);
  t.ok(await createPasswordHasher().verify(user?.passwordHash as string, 'correct horse'));
});

t.test('users ls, show, mod, passwd, rm', async (t) => {
  const { cli, readStore } = setup(t.testdir());
  for (const name of ['bob', 'bert', 'alice']) await cli('users', 'add', name, '--password', 'password1');
  await cli('users', 'add', 'root', '--role', 'admin', '--password', 'password1');

  const listed = (await cli('users', 'ls')).json as unknown as Json[];
  t.same(
    listed.map((u) => u.username),
    ['alice', 'bert', 'bob', 'root'],
    'sorted by name',
  );
  t.same(Object.keys(listed[0] as Json), ['username', 'role', 'webdav', 'two_factor', 'disabled', 'created_at', 'updated_at', 'app_passwords']);
  const searches = [
    { search: 'b', expected: ['bert', 'bob'] },
    { search: 'admin', expected: ['root'] },
    { search: 'zed', expected: [] },
  ];
  for (const { search, expected } of searches) {
    const found = (await cli('users', 'ls', search)).json as unknown as Json[];
    t.same(
      found.map((u) => u.username),
      expected,
      `ls ${search}`,
    );
  }

  const shown = await cli('users', 'show', 'BOB');
  t.match(shown.json, { username: 'bob', role: 'user', webdav: false, created_at: Number, updated_at: Number });
  t.notMatch(shown.stdout, /argon2|password/i, 'show never prints the hash');

  t.match((await cli('users', 'mod', 'bob', '--webdav')).json, { username: 'bob', role: 'user', webdav: true });
  t.match((await cli('users', 'mod', 'bob', '--role', 'admin')).json, { role: 'admin', webdav: true }, 'role only');
  t.match((await cli('users', 'mod', 'bob', '--no-webdav')).json, { role: 'admin', webdav: false, two_factor: false });
  t.match((await cli('users', 'mod', 'bob', '--no-2fa')).json, { two_factor: false }, 'turning off what is off is no error');
  t.equal((await cli('users', 'mod', 'bob', '--2fa')).code, 2, 'two-factor is set up by the user, not the CLI');

  const before = (await readStore()).users.find((u) => u.username === 'bert')?.passwordHash as string;
  const passwd = await cli('users', 'passwd', 'bert', '--password', 'new password');
  t.equal(passwd.code, 0);
  t.match(passwd.json, { username: 'bert' });
  const after = (await readStore()).users.find((u) => u.username === 'bert')?.passwordHash as string;
  t.not(after, before);
  t.ok(await createPasswordHasher().verify(after, 'new password'));

  const removed = await cli('users', 'rm', 'alice');
  t.equal(removed.code, 0, 'rm acts without a terminal');
  t.same(removed.json, { username: 'alice', removed: true });
  t.ok(isCleanFailure(await cli('users', 'show', 'alice'), 1), 'gone');
});

t.test('users: tables for people', async (t) => {
  const { store } = setup(t.testdir());
  const add = await runCli(['users', 'add', 'bob', '--password', 'password1', '--store', store]);
  t.match(add.stdout, /^\|-+\|-+\|-+\|\n\| Username \| Role \| WebDAV \|\n/);
  t.match((await runCli(['users', 'ls', '--store', store])).stdout, /\| bob +\| user \| no +\|/);
  t.match((await runCli(['users', 'show', 'bob', '--store', store])).stdout, /\| role +\| user +\|/);
  t.match(
    (await runCli(['users', 'passwd', 'bob', '--password', 'password2', '--store', store])).stdout,
    /password changed/,
  );
  t.match((await runCli(['users', 'rm', 'bob', '--store', store])).stdout, /removed user "bob"/);
});
