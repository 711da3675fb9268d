/**
 * The CLI and a running gateway sharing a store big enough to write through its journal
 * (test/integration/cli-and-gateway-share-store.test.ts does the same on a small store): what the
 * CLI adds works on the first request, what it revokes or changes stops working within a second,
 * and the gateway's own writes and the CLI's are all there afterwards. Real processes throughout.
 */
import { hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { DurableJsonFile } from '../../../src/store/durable-json-file.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { startEchoUpstream } from '../../helpers/echo-upstream.js';
import { startGatewayProcess } from '../../helpers/gateway-process.js';
import { within } from '../../helpers/within.js';
import { runCli, runCliJson } from '../../helpers/run-cli.js';
import { basic, testHasher } from '../../helpers/test-gateway.js';
import { makeClient, makeToken, makeUser } from '../../fixtures/store/records.js';

t.test('CLI and gateway on a journaled store: first request, revocation within a second, nothing lost', async (t) => {
  const upstream = await startEchoUpstream(t);
  const store = join(t.testdir(), 'store.json');
  const clientSecret = 'journal-test-client-secret-0123456789';
  const passwordHash = await testHasher.hash('alice-password');
  await new DurableJsonFile(store).write({
    version: 1,
    users: [makeUser('alice', { role: 'admin', webdav: true, passwordHash })],
    clients: [makeClient('busy', { scope: 'metrics', secretDigest: hash('sha256', clientSecret), tokenLimit: -1 })],
    tokens: Array.from({ length: 2_000 }, (_, i) => makeToken(`filler${i}`)),
    grants: [],
  });
  const gw = await startGatewayProcess(t, ['--store', store, '--upstream', upstream.url]);
  const cli = (args: string[]) => runCliJson([...args, '--store', store]);
  const dav = async (user: string, secret: string) =>
    (await fetch(`${gw.url}/originals/x`, { headers: { authorization: basic(user, secret) } })).status;

  const added = await cli(['auth', 'add', 'alice', '-n', 'phone', '-s', 'webdav']);
  t.equal(added.code, 0, added.stderr);
  const app = added.json as { id: string; token: string };
  t.ok((await stat(`${store}.journal`)).size > 0, 'the CLI wrote to the journal');
  t.equal(await dav('alice', app.token), 200, 'an app password the CLI just added works on the first request');

  t.equal((await runCli(['auth', 'rm', app.id, '--yes', '--store', store])).code, 0);
  const revokedMs = await within(1000, async () => (await dav('alice', app.token)) === 401);
  t.pass(`revoked by the CLI, refused ${Math.round(revokedMs)} ms later`);

  t.equal(await dav('alice', 'alice-password'), 200, 'the password works (and is now cached)');
  t.equal((await runCli(['users', 'passwd', 'alice', '--password', 'new-password-1', '--store', store])).code, 0);
  await within(1000, async () => (await dav('alice', 'alice-password')) === 401);
  t.pass('a password changed by the CLI is refused within a second, although it was cached');

  const issue = async () => {
    const res = await fetch(`${gw.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic('busy', clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const [tokens, apps] = await Promise.all([
    Promise.all(Array.from({ length: 30 }, issue)),
    (async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(((await cli(['auth', 'add', 'alice', '-n', `app${i}`])).json as { id: string }).id);
      return ids;
    })(),
  ]);
  const reopened = await openFileStore({ path: store, clock: systemClock, watch: false });
  t.teardown(() => reopened.close());
  for (const id of apps) t.ok(await reopened.findToken(id), `the CLI's ${id} is on disk`);
  const missing = [];
  for (const token of tokens) if (!(await reopened.findTokenByDigest(hash('sha256', token)))) missing.push(token);
  t.same(missing, [], 'and every token the gateway issued meanwhile');
  t.equal((await reopened.listTokens()).length, 2_000 + 30 + 4);
});
