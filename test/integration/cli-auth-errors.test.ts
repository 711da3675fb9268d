import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { isCleanFailure, runCliJson } from '../helpers/run-cli.js';

type Json = Record<string, unknown>;

/** Auth bad input: each case fails with its exit code and one line on stderr, and changes nothing. */
t.test('auth: bad input fails with one line', async (t) => {
  const store = join(t.testdir(), 'store.json');
  const cli = (...args: string[]) => runCliJson<Json>([...args, '--store', store]);
  await cli('users', 'add', 'bob', '--password', 'password1');
  const secret = '79cf3600f3ef88d5c24c80066a58d26b6ac6dbce8000ae0d';
  const before = await readFile(store, 'utf8');
  const cases = [
    { name: 'unknown user', args: ['add', 'nobody'], code: 1, stderr: /user "nobody" not found/ },
    { name: 'bad username', args: ['add', 'no body'], code: 2 },
    { name: 'empty scope', args: ['add', '-s', ''], code: 2, stderr: /scope must not be empty/ },
    { name: 'separators only', args: ['add', '-s', ' , '], code: 2, stderr: /scope must not be empty/ },
    { name: 'bad scope', args: ['add', '-s', 'photos:read'], code: 2 },
    { name: 'non-numeric -e', args: ['add', '-e', 'soon'], code: 2 },
    { name: '-e -2', args: ['add', '-e', '-2'], code: 2 },
    { name: 'blank name', args: ['add', '-n', ' '], code: 2 },
    { name: 'unknown flag', args: ['add', '--ttl', '5'], code: 2 },
    { name: 'two users', args: ['add', 'bob', 'alice'], code: 2 },
    { name: 'show unknown id', args: ['show', 'sessabcdefgh'], code: 1, stderr: /token "sessabcdefgh" not found/ },
    { name: 'show without id', args: ['show'], code: 2 },
    { name: 'rm unknown secret', args: ['rm', secret], code: 1 },
    { name: 'reset with an argument', args: ['reset', 'all'], code: 2 },
  ];
  for (const { name, args, code, stderr } of cases) {
    const result = await cli('auth', ...args);
    t.ok(isCleanFailure(result, code), name, result);
    if (stderr) t.match(result.stderr, stderr, `${name}: reason`);
    t.notOk(result.stderr.includes(secret), `${name}: no secret echoed`);
  }
  t.equal(await readFile(store, 'utf8'), before, 'the store is unchanged');
});
