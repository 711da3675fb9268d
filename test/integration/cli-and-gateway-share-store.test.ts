/**
 * The CLI and a running gateway share one store file (PRODUCT.md): what the CLI adds works at
 * once, what it revokes stops working within one second, and neither loses the other's writes.
 * Everything here is a real process: `photogate start` and `photogate auth|clients|users`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { within } from '../helpers/within.js';
import { runCli, runCliJson } from '../helpers/run-cli.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

t.test('first start creates the admin and prints its password once', async (t) => {
  const upstream = await startEchoUpstream(t);
  const store = join(t.testdir(), 'store.json');
  const gw = await startGatewayProcess(t, ['--store', store, '--upstream', upstream.url]);
  const match = /created admin user "admin" with password (\S+)/.exec(gw.stdout());
  t.ok(match, 'password printed');
  const password = match![1]!;
  const res = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('admin', password) } });
  t.equal(res.status, 200, 'the printed password works');
  t.notMatch(await readFile(store, 'utf8'), password, 'and is not stored in clear');
  t.notMatch(gw.stderr(), password, 'nor logged');
  gw.child.kill('SIGTERM');
  await new Promise((r) => gw.child.once('exit', r));
  t.equal(gw.child.exitCode, 0, 'SIGTERM stops it cleanly');

  const again = await startGatewayProcess(t, ['--store', store, '--upstream', upstream.url]);
  t.notMatch(again.stdout(), /created admin/, 'not on the second start');
});

t.test('PHOTOGATE_ADMIN_PASSWORD sets the first admin password', async (t) => {
  const upstream = await startEchoUpstream(t);
  const store = join(t.testdir(), 'store.json');
  const gw = await startGatewayProcess(t, ['--store', store, '--upstream', upstream.url], { PHOTOGATE_ADMIN_PASSWORD: 'configured-secret' });
  t.notMatch(gw.stdout(), /configured-secret/);
  const res = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('admin', 'configured-secret') } });
  t.equal(res.status, 200);
});

t.test('CLI changes reach the running gateway within one second', async (t) => {
  const upstream = await startEchoUpstream(t);
  const store = join(t.testdir(), 'store.json');
  const gw = await startGatewayProcess(t, ['--store', store, '--upstream', upstream.url], { PHOTOGATE_ADMIN_PASSWORD: 'admin-password' });
  const cli = (args: string[]) => runCliJson([...args, '--store', store]);

  const added = await cli(['auth', 'add', 'admin', '-n', 'rclone', '-s', 'webdav']);
  t.equal(added.code, 0, added.stderr);
  const app = added.json as { id: string; token: string };
  const dav = async (secret: string) => (await fetch(`${gw.url}/originals/x`, { headers: { authorization: basic('admin', secret) } })).status;
  t.equal(await dav(app.token), 200, 'an app password added by the CLI works at once');
  t.equal(await dav(app.token), 200, 'and is cached');

  const removed = await runCli(['auth', 'rm', app.id, '--store', store]);
  t.equal(removed.code, 0, removed.stderr);
  const revokeMs = await within(1000, async () => (await dav(app.token)) === 401);
  t.pass(`revoked app password refused after ${Math.round(revokeMs)} ms`);

  const pw = async () => (await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('admin', 'admin-password') } })).status;
  t.equal(await pw(), 200, 'user password works (and is cached)');
  t.equal((await runCli(['users', 'passwd', 'admin', '--password', 'new-password-1', '--store', store])).code, 0);
  await within(1000, async () => (await pw()) === 401);
  t.pass('a password changed by the CLI is refused within a second, although it was cached');

  const client = (await cli(['clients', 'add', '-n', 'prometheus', '-s', 'metrics'])).json as { client_id: string; client_secret: string };
  const tokenRes = await fetch(`${gw.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  t.equal(tokenRes.status, 200, 'a client registered by the CLI gets tokens at once');
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  const metrics = async () => (await fetch(`${gw.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${access_token}` } })).status;
  t.equal(await metrics(), 200);
  t.equal((await runCli(['clients', 'mod', client.client_id, '--disable', '--store', store])).code, 0);
  await within(1000, async () => (await metrics()) === 401);
  t.pass('disabling the client revokes its cached tokens within a second');
});

t.test('neither the CLI nor the gateway loses the other\'s writes', async (t) => {
  const upstream = await startEchoUpstream(t);
  const store = join(t.testdir(), 'store.json');
  const gw = await startGatewayProcess(t, ['--store', store, '--upstream', upstream.url], { PHOTOGATE_ADMIN_PASSWORD: 'admin-password' });
  const client = (await runCliJson(['clients', 'add', '-n', 'busy', '-s', 'photos', '-t', '-1', '--store', store])).json as { client_id: string; client_secret: string };
  const issue = () =>
    fetch(`${gw.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
  // The gateway issues tokens while the CLI adds app passwords, at the same time.
  const [tokens, apps] = await Promise.all([
    Promise.all(Array.from({ length: 40 }, issue)),
    (async () => {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await runCliJson(['auth', 'add', 'admin', '-n', `app${i}`, '-s', 'webdav', '--store', store]);
        ids.push((r.json as { id: string }).id);
      }
      return ids;
    })(),
  ]);
  const listed = (await runCliJson<{ id: string; name: string }[]>(['auth', 'ls', '--store', store])).json!;
  t.equal(listed.filter((x) => apps.includes(x.id)).length, 8, 'every app password the CLI added is there');
  t.equal(listed.filter((x) => x.name === 'busy').length, 40, 'every token the gateway issued is there');
  for (const token of tokens.slice(0, 5)) {
    t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  }
});
