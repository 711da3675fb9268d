import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { isCleanFailure, runCliJson } from '../helpers/run-cli.js';

type Json = Record<string, unknown>;

/** Clients bad input: each case fails with its exit code and one line on stderr, and changes nothing. */
t.test('clients: bad input fails with one line', async (t) => {
  const store = join(t.testdir(), 'store.json');
  const cli = (...args: string[]) => runCliJson<Json>([...args, '--store', store]);
  const id = ((await cli('clients', 'add')).json as Json).client_id as string;
  const publicId = ((await cli('clients', 'add', '--public')).json as Json).client_id as string;
  const before = await readFile(store, 'utf8');
  const badUris = [
    { name: 'http on a public host', uri: 'http://app.example.org/cb', stderr: /http is allowed only for/ },
    { name: 'http on a host named like a loopback address', uri: 'http://127.0.0.1.nip.io/cb' },
    { name: 'http with localhost as userinfo', uri: 'http://localhost@evil.example/cb' },
    { name: 'a relative URI', uri: '/callback', stderr: /not an absolute URI/ },
    { name: 'a fragment', uri: 'https://app.example.org/cb#top', stderr: /fragment/ },
    { name: 'an empty fragment', uri: 'https://app.example.org/cb#' },
    { name: 'javascript:', uri: 'javascript:alert(1)' },
    { name: 'data:', uri: 'data:text/html,hi' },
    { name: 'file:', uri: 'file:///etc/passwd' },
    { name: 'a scheme without a dot', uri: 'myapp://callback' },
    { name: 'a private-use scheme alone', uri: 'com.example.app:' },
    { name: 'https without //', uri: 'https:app.example.org/cb' },
    { name: 'a space', uri: 'https://app.example.org/a b' },
    { name: 'a control character', uri: 'https://app.example.org/\u001b[31m' },
    { name: 'an empty string', uri: '' },
  ];
  const cases = [
    { name: 'unknown user', args: ['add', 'nobody'], code: 1, stderr: /user "nobody" not found/ },
    { name: 'bad role', args: ['add', '-r', 'user'], code: 2, stderr: /role/ },
    { name: '-t 0', args: ['add', '-t', '0'], code: 2, stderr: /--tokens/ },
    { name: '-t -2', args: ['add', '-t', '-2'], code: 2 },
    { name: '-t abc', args: ['add', '-t', 'abc'], code: 2 },
    { name: '-e 0', args: ['add', '-e', '0'], code: 2, stderr: /--expires/ },
    { name: '-e -1', args: ['add', '-e', '-1'], code: 2 },
    { name: 'non-numeric -e', args: ['add', '-e', '1d'], code: 2 },
    { name: 'empty scope', args: ['add', '-s', ''], code: 2, stderr: /scope must not be empty/ },
    { name: 'unknown flag', args: ['add', '--secret', 'x'], code: 2 },
    {
      name: 'show unknown',
      args: ['show', 'c000000000000000'],
      code: 1,
      stderr: /client "c000000000000000" not found/,
    },
    {
      name: 'show a pasted secret',
      args: ['show', 'XFkg4iIXDXQyqu7yZNer4jwo6l12kF0M'],
      code: 1,
      stderr: /^photogate: no client with that id\n$/,
    },
    { name: 'mod unknown', args: ['mod', 'c000000000000000', '-n', 'x'], code: 1 },
    { name: 'mod nothing', args: ['mod', id], code: 2 },
    { name: 'mod enable and disable', args: ['mod', id, '--enable', '--disable'], code: 2 },
    { name: 'mod -t 0', args: ['mod', id, '-t', '0'], code: 2 },
    ...badUris.flatMap(({ name, uri, stderr }) => [
      { name: `add: ${name}`, args: ['add', '--redirect-uri', uri], code: 2, stderr: stderr ?? /invalid redirect URI/ },
      {
        name: `mod: ${name}`,
        args: ['mod', id, '--redirect-uri', 'https://ok.example/cb', '--redirect-uri', uri],
        code: 2,
        stderr: stderr ?? /invalid redirect URI/,
      },
    ]),
    { name: '--redirect-uri without a value', args: ['add', '--redirect-uri'], code: 2 },
    {
      name: 'mod --redirect-uri and --clear-redirect-uris',
      args: ['mod', id, '--redirect-uri', 'https://ok.example/cb', '--clear-redirect-uris'],
      code: 2,
      stderr: /not both/,
    },
    { name: 'mod --regenerate on a public client', args: ['mod', publicId, '--regenerate'], code: 2, stderr: /public/ },
    { name: 'rm unknown', args: ['rm', 'c000000000000000'], code: 1 },
    { name: 'rm without id', args: ['rm'], code: 2 },
  ];
  for (const { name, args, code, stderr } of cases) {
    const result = await cli('clients', ...args);
    t.ok(isCleanFailure(result, code), name, result);
    if (stderr) t.match(result.stderr, stderr, `${name}: reason`);
  }
  t.equal(await readFile(store, 'utf8'), before, 'the store is unchanged');
});
