/**
 * Issue 12 class 4, registration: `clients add --redirect-uri` and `clients mod --redirect-uri`
 * (the real CLI) refuse, with a one-line reason naming the rule, a redirect URI with a fragment
 * (RFC 6749 §3.1.2), with userinfo, or a relative one, and change nothing in the store; the
 * URIs the exact comparison relies on are kept byte for byte. A separate file from
 * test/integration/cli-clients-errors.test.ts so that each stays within tap's time-out on a
 * loaded machine; attempts run two at a time.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { isCleanFailure, runCliJson } from '../helpers/run-cli.js';

type Json = Record<string, unknown>;

const refused: { uri: string; reason: RegExp }[] = [
  { uri: 'https://app.example.org/cb#top', reason: /fragment/ },
  { uri: 'https://app.example.org/cb#', reason: /fragment/ },
  { uri: 'http://127.0.0.1:8765/cb#x', reason: /fragment/ },
  { uri: 'com.example.app:/cb#x', reason: /fragment/ },
  { uri: 'http://user@127.0.0.1/cb', reason: /userinfo/ },
  { uri: 'https://user:pw@app.example.org/cb', reason: /userinfo/ },
  { uri: 'https://@app.example.org/cb', reason: /userinfo/ },
  { uri: 'http://localhost@evil.example/cb', reason: /userinfo/ },
  { uri: 'http://127.0.0.1:8765@evil.example/cb', reason: /userinfo/ },
  { uri: 'com.example.app://user@host/cb', reason: /userinfo/ },
  { uri: '/callback', reason: /relative/ },
  { uri: '//app.example.org/cb', reason: /relative/ },
  { uri: 'cb', reason: /relative/ },
  { uri: '../cb', reason: /relative/ },
  { uri: 'http://127.0.0.1\\@evil.example/cb', reason: /backslash/ },
];

async function inPairs<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 2) await Promise.all(items.slice(i, i + 2).map(run));
}

t.test('clients add and mod refuse fragments, userinfo and relative redirect URIs', async (t) => {
  const store = join(t.testdir(), 'store.json');
  const cli = (...args: string[]) => runCliJson<Json>(['clients', ...args, '--store', store]);
  const id = ((await cli('add', '--redirect-uri', 'https://ok.example/cb')).json as Json).client_id as string;
  const before = await readFile(store, 'utf8');
  const attempts = refused.flatMap(({ uri, reason }) => [
    { name: `add ${JSON.stringify(uri)}`, args: ['add', '--redirect-uri', uri], reason },
    { name: `mod ${JSON.stringify(uri)}`, args: ['mod', id, '--redirect-uri', 'https://ok.example/cb', '--redirect-uri', uri], reason },
  ]);
  await inPairs(attempts, async ({ name, args, reason }) => {
    const result = await cli(...args);
    t.ok(isCleanFailure(result, 2), `${name}: exit 2 with one line`, result);
    t.match(result.stderr, /invalid redirect URI/, `${name}: says what`);
    t.match(result.stderr, reason, `${name}: says why`);
  });
  t.equal(await readFile(store, 'utf8'), before, 'the store is unchanged');

  const kept = ['HTTPS://App.Example.org/a/../cb/', 'http://127.0.0.1:8765/%63b?x=1', 'com.example.app:/cb'];
  const added = (await cli('add', ...kept.flatMap((uri) => ['--redirect-uri', uri]))).json as Json;
  t.same(added.redirect_uris, kept, 'accepted URIs are stored exactly as given');
});
