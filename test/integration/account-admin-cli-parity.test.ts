/**
 * The Users section of /account and the CLI agree (issue 14 point 3: "a test checks that both
 * agree"): one store file shared by a running gateway and real `photogate` processes. Each admin
 * action is done once on the page (form posts, as a browser without JavaScript sends them) and
 * checked with `photogate users show|ls --json` and `auth ls --user`, and once with the CLI and
 * checked on the page (and through the gateway, where a credential is concerned). The CLI's own
 * limits (the last admin) and flags close the file.
 */
import t, { type Test } from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { signInToAccount, userFacts } from '../helpers/account-admin.js';
import { runCliJson } from '../helpers/run-cli.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';
import { within } from '../helpers/within.js';

// About 45 real CLI processes, each a Node start (1-2 s on a busy 2-core machine).
t.setTimeout(600_000);

type Json = Record<string, unknown>;
const twoFactorOn = { sealedSecret: 'v1.a.b.c', sealedRecoveryCodes: null, recoveryCodeDigests: ['a'.repeat(64)], verifiedAt: 1, activatedAt: 1, lastStep: 0 };

async function setUp(t: Test) {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('root', 'root-password', { role: 'admin' });
  await gw.addUser('alice', 'alice-password', { role: 'user', webdav: true });
  const admin = await signInToAccount(gw, 'root', 'root-password');
  const cli = async (...args: string[]) => runCliJson<Json & Json[]>([...args, '--store', gw.storePath]);
  /** Waits until the page shows what the CLI wrote (the gateway takes in other processes' writes within 100 ms here). */
  const pageShows = (check: (html: string) => boolean) => within(3000, async () => check(await admin.html()), 50);
  return { gw, admin, cli, pageShows };
}

t.test('done on the page, seen by the CLI', async (t) => {
  const { gw, admin, cli } = await setUp(t);

  const added = await admin.post('/account/users/add', { username: 'bob', role: 'admin', webdav: 'on' });
  const password = /<code id="user-password">([^<]+)<\/code>/.exec(added.html)?.[1] ?? '';
  t.match((await cli('users', 'show', 'bob')).json, { username: 'bob', role: 'admin', webdav: true, disabled: false, two_factor: false }, 'add');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('bob', password) } })).status, 200, 'the shown password works');

  const app = await gw.addAppPassword('alice', 'webdav');
  await gw.addAppPassword('alice', 'photos');
  const aliceSession = await gw.addAccessToken('photos', { username: 'alice' });
  const ls = async () => ((await cli('users', 'ls')).json as Json[]).find((u) => u.username === 'alice');
  t.match(await ls(), { app_passwords: 2 }, 'the CLI counts what the page counts');
  t.equal(userFacts(await admin.html(), 'alice')?.appPasswords, '2');

  await gw.store.addToken({ ...aliceSession.record, id: 'sessbrowser1', digest: 'b'.repeat(64), kind: 'session', grantType: 'browser' });
  await admin.post('/account/users/reset-password', { username: 'alice' });
  const kinds = ((await cli('auth', 'ls', '--user', 'alice')).json as Json[]).map((x) => x.kind).sort();
  t.same(kinds, ['access_token', 'app_password', 'app_password'], 'reset: `auth ls --user` shows her session gone, app passwords kept');

  await admin.post('/account/users/webdav', { username: 'alice', webdav: 'off' });
  t.match((await cli('users', 'show', 'alice')).json, { webdav: false }, 'WebDAV off');

  await admin.post('/account/users/disabled', { username: 'alice', disabled: 'on' });
  t.match((await cli('users', 'show', 'alice')).json, { disabled: true }, 'disable');
  t.same(((await cli('users', 'ls', 'disabled')).json as Json[]).map((u) => u.username), ['alice'], '`users ls disabled`');
  await admin.post('/account/users/disabled', { username: 'alice', disabled: 'off' });
  t.match((await cli('users', 'show', 'alice')).json, { disabled: false }, 'enable');

  await gw.store.updateUser('alice', { twoFactor: twoFactorOn }, 1);
  t.match((await cli('users', 'show', 'alice')).json, { two_factor: true });
  await admin.post('/account/users/two-factor-off', { username: 'alice' });
  t.match((await cli('users', 'show', 'alice')).json, { two_factor: false }, 'two-factor off');

  await admin.post('/account/users/app-passwords/revoke', { username: 'alice', id: app.record.id });
  const left = ((await cli('auth', 'ls', '--user', 'alice')).json as Json[]).map((x) => x.id);
  t.notOk(left.includes(app.record.id), 'revoked app password: gone from `auth ls --user`');
  t.match(await ls(), { app_passwords: 1 });

  await admin.post('/account/users/remove', { username: 'alice', confirm: 'yes' });
  t.equal((await cli('users', 'show', 'alice')).code, 1, 'remove: `users show` fails');
  t.same(((await cli('auth', 'ls', '--user', 'alice')).json as Json[]), [], 'and her tokens are gone');
});

t.test('done with the CLI, seen on the page and by the gateway', async (t) => {
  const { gw, admin, cli, pageShows } = await setUp(t);

  const added = await cli('users', 'add', 'carol', '--webdav', '--generate-password');
  t.equal(added.code, 0, added.stderr);
  const password = String(added.json?.password);
  t.match(password, /^[a-zA-Z2-9]{20}$/, '--generate-password prints the password in the JSON once');
  await pageShows((html) => userFacts(html, 'carol')?.status === 'active' && userFacts(html, 'carol')?.webdav === 'on');
  t.pass('add: the page lists carol');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('carol', password) } })).status, 200, 'the printed password works');

  const reset = await cli('users', 'passwd', 'carol', '--generate-password');
  const newPassword = String(reset.json?.password);
  t.not(newPassword, password);
  await within(3000, async () => (await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('carol', newPassword) } })).status === 200, 50);
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('carol', password) } })).status, 401, 'passwd: the old password is refused');

  await cli('users', 'mod', 'carol', '--no-webdav');
  await pageShows((html) => userFacts(html, 'carol')?.webdav === 'off');
  t.pass('WebDAV off: the page shows it');

  const app = await cli('auth', 'add', 'carol', '-n', 'phone', '-s', '*');
  const appAuth = { authorization: basic('carol', String(app.json?.token)) };
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: appAuth })).status, 200);
  t.equal((await cli('users', 'disable', 'carol')).code, 0);
  await pageShows((html) => userFacts(html, 'carol')?.status === 'disabled');
  t.pass('disable: the page shows it');
  await within(1000, async () => (await fetch(`${gw.url}/api/v1/photos`, { headers: appAuth })).status === 401, 50);
  t.pass('and her app password is refused through the gateway within a second');
  t.equal((await cli('users', 'enable', 'carol')).code, 0);
  await pageShows((html) => userFacts(html, 'carol')?.status === 'active');
  await within(1000, async () => (await fetch(`${gw.url}/api/v1/photos`, { headers: appAuth })).status === 200, 50);
  t.pass('enable: active again, the app password works');
  t.match((await cli('users', 'mod', 'carol', '--disable')).json, { disabled: true }, '`users mod --disable` does the same');
  t.match((await cli('users', 'mod', 'carol', '--enable')).json, { disabled: false });

  await gw.store.updateUser('carol', { twoFactor: twoFactorOn }, 1);
  await pageShows((html) => userFacts(html, 'carol')?.twoFactor === 'on');
  t.match((await cli('users', '2fa', 'off', 'carol')).json, { two_factor: false });
  await pageShows((html) => userFacts(html, 'carol')?.twoFactor === 'off');
  t.pass('`users 2fa off`: the page shows it');
  await gw.store.updateUser('carol', { twoFactor: twoFactorOn }, 2);
  t.match((await cli('users', 'mod', 'carol', '--no-2fa')).json, { two_factor: false }, '`users mod --no-2fa` stays an alias');

  const listed = ((await cli('auth', 'ls', '--user', 'carol')).json as Json[]).filter((x) => x.kind === 'app_password').map((x) => x.id);
  const onPage = await admin.post('/account/users/app-passwords', { username: 'carol' });
  t.same([...onPage.html.matchAll(/name="username" value="carol"><input type="hidden" name="id" value="([^"]+)"/g)].map((m) => m[1]), listed, 'the page lists the app passwords `auth ls --user` lists');
  t.equal((await cli('auth', 'rm', String(app.json?.id))).code, 0);
  await within(3000, async () => !(await admin.post('/account/users/app-passwords', { username: 'carol' })).html.includes(String(app.json?.id)), 50);
  t.pass('`auth rm`: gone from the page');

  t.equal((await cli('users', 'rm', 'carol')).code, 0);
  await pageShows((html) => userFacts(html, 'carol') === undefined);
  t.pass('rm: gone from the page');
});

t.test('the CLI keeps the last admin too, and its new flags say what is wrong', async (t) => {
  const { cli } = await setUp(t);
  const disable = await cli('users', 'disable', 'root');
  t.equal(disable.code, 1);
  t.match(disable.stderr, /^photogate: "root" is the last administrator: make another one first\.\n$/);
  const rm = await cli('users', 'rm', 'root');
  t.equal(rm.code, 1);
  t.match(rm.stderr, /last administrator/);
  t.match((await cli('users', 'show', 'root')).json, { disabled: false }, 'nothing changed');
  const both = await cli('users', 'mod', 'alice', '--disable', '--enable');
  t.equal(both.code, 2);
  t.match(both.stderr, /--disable or --enable, not both/);
  const twice = await cli('users', 'add', 'dave', '--password', 'password1', '--generate-password');
  t.equal(twice.code, 2);
  t.equal((await cli('users', '2fa', 'on', 'alice')).code, 2, '2fa: only off');
  const noPassword = await cli('users', 'add', 'erin');
  t.equal(noPassword.code, 2, 'no password and no terminal: say so');
  t.match(noPassword.stderr, /--generate-password/);
  t.equal((await cli('auth', 'ls', '--user', '../x')).code, 2, 'auth ls --user: a bad name');
  await cli('users', 'add', 'frank', '--role', 'admin', '--password', 'password1');
  t.match((await cli('users', 'disable', 'root')).json, { disabled: true }, 'with another admin, root may be disabled');
  t.equal((await cli('users', 'rm', 'frank')).code, 1, 'and frank is now the last enabled admin');
});
