/**
 * The CLI's OpenID Connect parts: `keys rotate` and `keys ls` (the key secret file made 0600 next
 * to the store), and `users add`/`users mod` with `--name` and `--email`.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { runCliJson } from '../helpers/run-cli.js';

type Key = { kid: string; alg: string; created_at: number; published_until: number | null };

t.test('keys rotate and keys ls', async (t) => {
  const dir = t.testdir();
  const store = join(dir, 'store.json');
  const cli = <T>(...args: string[]) => runCliJson<T>([...args, '--store', store]);
  t.same((await cli<Key[]>('keys', 'ls')).json, [], 'no key before the first start or rotation');
  const first = await cli<{ rotated: Key; keys: Key[] }>('keys', 'rotate');
  t.equal(first.code, 0, 'rotate', { stderr: first.stderr });
  t.match(first.json?.rotated, { alg: 'RS256', published_until: null });
  t.equal((await stat(join(dir, 'oidc-key-secret'))).mode & 0o777, 0o600, 'the key secret file is made 0600 next to the store');
  const second = await cli<{ rotated: Key; keys: Key[] }>('keys', 'rotate');
  const listed = (await cli<Key[]>('keys', 'ls')).json ?? [];
  t.equal(listed.length, 2);
  const old = listed.find((k) => k.kid === first.json?.rotated.kid);
  t.ok(old?.published_until !== null && (old?.published_until ?? 0) > (old?.created_at ?? 0) + 3600, 'the old key is published for an ID token lifetime more');
  t.equal(listed.find((k) => k.kid === second.json?.rotated.kid)?.published_until, null, 'the new one signs');
});

t.test('users --name and --email', async (t) => {
  const store = join(t.testdir(), 'store.json');
  const cli = <T>(...args: string[]) => runCliJson<T>([...args, '--store', store]);
  const added = await cli('users', 'add', 'alice', '--password', 'alice-password', '--name', 'Alice Example', '--email', 'alice@example.org');
  t.match(added.json, { username: 'alice' });
  t.match((await cli('users', 'show', 'alice')).json, { name: 'Alice Example', email: 'alice@example.org' });
  await cli('users', 'mod', 'alice', '--email', 'a@example.net');
  t.match((await cli('users', 'show', 'alice')).json, { name: 'Alice Example', email: 'a@example.net' }, 'mod changes only what is given');
  const bad = await cli('users', 'mod', 'alice', '--email', 'not-an-address');
  t.equal(bad.code, 2, 'an invalid address is a usage error');
  t.match(bad.stderr, /e-mail/);
});
