import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { isCleanFailure, runCliJson } from '../helpers/run-cli.js';

type Json = Record<string, unknown>;

/** Users bad input: each case fails with its exit code and one line on stderr, and changes nothing. */
t.test('users: bad input fails with one line', async (t) => {
  const store = join(t.testdir(), 'store.json');
  const cli = (...args: string[]) => runCliJson<Json>([...args, '--store', store]);
  await cli('users', 'add', 'bob', '--password', 'password1');
  const before = await readFile(store, 'utf8');
  const cases = [
    {
      name: 'duplicate',
      args: ['add', 'bob', '--password', 'password1'],
      code: 1,
      stderr: /user "bob" already exists/,
    },
    { name: 'duplicate, other case', args: ['add', 'BOB', '--password', 'password1'], code: 1 },
    { name: 'bad username', args: ['add', 'b b', '--password', 'password1'], code: 2, stderr: /invalid username/ },
    { name: 'username too long', args: ['add', 'a'.repeat(65), '--password', 'password1'], code: 2 },
    { name: 'bad role', args: ['add', 'eve', '--role', 'root', '--password', 'password1'], code: 2, stderr: /role/ },
    { name: 'short password', args: ['add', 'eve', '--password', 'short'], code: 2, stderr: /at least 8/ },
    {
      name: 'no password, no terminal',
      args: ['add', 'eve'],
      code: 2,
      stderr: /--password is required when stdin is not a terminal/,
    },
    { name: 'missing NAME', args: ['add', '--password', 'password1'], code: 2, stderr: /missing NAME/ },
    { name: 'extra argument', args: ['add', 'eve', 'password1'], code: 2 },
    { name: 'unknown flag', args: ['add', 'eve', '--pasword', 'x'], code: 2, stderr: /--pasword/ },
    { name: 'flag without value', args: ['mod', 'bob', '--role'], code: 2 },
    { name: 'show unknown', args: ['show', 'nobody'], code: 1, stderr: /user "nobody" not found/ },
    { name: 'mod unknown', args: ['mod', 'nobody', '--webdav'], code: 1 },
    { name: 'mod nothing', args: ['mod', 'bob'], code: 2 },
    { name: 'passwd unknown', args: ['passwd', 'nobody', '--password', 'password1'], code: 1 },
    { name: 'passwd short', args: ['passwd', 'bob', '--password', 'short'], code: 2 },
    { name: 'rm unknown', args: ['rm', 'nobody'], code: 1 },
    { name: 'unknown subcommand', args: ['delete', 'bob'], code: 2 },
    { name: 'no subcommand', args: [], code: 2 },
  ];
  for (const { name, args, code, stderr } of cases) {
    const result = await cli('users', ...args);
    t.ok(isCleanFailure(result, code), name, result);
    if (stderr) t.match(result.stderr, stderr, `${name}: reason`);
    t.notMatch(result.stderr, /password1/, `${name}: no password echoed`);
  }
  t.equal(await readFile(store, 'utf8'), before, 'the store is unchanged');
});
