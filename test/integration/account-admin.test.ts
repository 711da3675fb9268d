/**
 * The Users section of /account (issue 14 point 3) over plain HTTP, as a browser without
 * JavaScript posts it: an administrator adds a user (the generated password, shown once, signs
 * them in), resets a password (the old one and their sessions end), turns WebDAV off and on,
 * disables a user (every credential of theirs is refused on the next request, cached or not, with
 * the answer a wrong credential gets; enabling brings the app passwords back), turns two-factor
 * off, lists and revokes a user's app passwords, and removes a user after a confirmation. An
 * admin cannot disable or remove themself. Non-admins see no section and get 403 pages; a form
 * without its CSRF token changes nothing. Every action is an audit event naming the admin, with
 * no secret in it. The admin JSON API (an admin's token acting for another user) is at the end.
 */
import t, { type Test } from 'tap';
import type { AuditEvent } from '../../src/audit/audit.js';
import { systemClock } from '../../src/clock.js';
import { issueCredential } from '../../src/credentials/issue-credential.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { signInToAccount, userFacts } from '../helpers/account-admin.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { basic, startSession, startTestGateway } from '../helpers/test-gateway.js';

const twoFactorOn = { sealedSecret: 'v1.a.b.c', sealedRecoveryCodes: null, recoveryCodeDigests: ['a'.repeat(64)], verifiedAt: 1, activatedAt: 1, lastStep: 0 };

async function setUp(t: Test) {
  const upstream = await startEchoUpstream(t);
  const events: AuditEvent[] = [];
  const gw = await startTestGateway(t, { upstream: upstream.url, audit: { record: (event) => events.push(event) } });
  await gw.addUser('root', 'root-password', { role: 'admin' });
  await gw.addUser('alice', 'alice-password', { role: 'user', webdav: true });
  const admin = await signInToAccount(gw, 'root', 'root-password');
  return { upstream, gw, events, admin };
}

const shownPassword = (html: string) => /<code id="user-password">([^<]+)<\/code>/.exec(html)?.[1] ?? '';

t.test('an admin sees every user and adds one whose generated password, shown once, signs them in', async (t) => {
  const { gw, events, admin } = await setUp(t);
  const page = await admin.page();
  t.match(page.html, /<h2 id="users-title">Users<\/h2>/);
  t.match(userFacts(page.html, 'alice'), { role: 'user', webdav: 'on', twoFactor: 'off', status: 'active', created: /^\d{4}-\d\d-\d\d$/, appPasswords: '0', you: false }, 'role, WebDAV, two-factor, status, created, app passwords');
  t.match(userFacts(page.html, 'root'), { role: 'admin', you: true });

  const added = await admin.post('/account/users/add', { username: 'Bob', role: 'user', webdav: 'on' });
  t.equal(added.status, 200);
  const password = shownPassword(added.html);
  t.match(password, /^[a-zA-Z2-9]{20}$/, 'a generated password is shown');
  t.match(added.html, /User bob added/);
  t.match(await gw.store.findUser('bob'), { role: 'user', webdav: true });
  t.notOk((await gw.store.findUser('bob'))?.passwordHash.includes(password), 'only its hash is stored');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('bob', password) } })).status, 200, 'it signs bob in');
  t.notOk((await admin.page()).html.includes(password), 'shown only once');
  t.match(events.at(-1), { event: 'user_changed', action: 'added', username: 'bob', actor: 'admin:root', outcome: 'success' });
  t.notOk(JSON.stringify(events).includes(password), 'no secret in the audit trail');

  const again = await admin.post('/account/users/add', { username: 'bob', role: 'user' });
  t.equal(again.status, 400, 'an existing username');
  t.match(again.html, /role="alert">A user &quot;bob&quot; exists already/);
  t.equal((await admin.post('/account/users/add', { username: '../x', role: 'user' })).status, 400, 'a bad username');
  t.equal((await admin.post('/account/users/add', { username: 'carl', role: 'root' })).status, 400, 'a bad role');
  t.equal(await gw.store.findUser('carl'), undefined);
});

t.test('reset a password: a new one is shown once, the old one and the user\'s sessions end', async (t) => {
  const { gw, events, admin } = await setUp(t);
  const session = await startSession(gw, 'alice', 'alice-password');
  const app = await gw.addAppPassword('alice', 'photos');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { 'x-auth-token': session } })).status, 200);
  const res = await admin.post('/account/users/reset-password', { username: 'alice' });
  t.equal(res.status, 200);
  const password = shownPassword(res.html);
  t.match(res.html, /New password for alice/);
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'alice-password') } })).status, 401, 'the old password');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', password) } })).status, 200, 'the new one');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { 'x-auth-token': session } })).status, 401, 'her session ended');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', app.secret) } })).status, 200, 'app passwords stay');
  t.match(events.find((e) => e.event === 'password_changed'), { action: 'reset', username: 'alice', actor: 'admin:root', address: '127.0.0.1' });
  t.notOk(JSON.stringify(events).includes(password));
  t.equal((await admin.post('/account/users/reset-password', { username: 'root' })).status, 400, 'not their own here');
  t.equal((await admin.post('/account/users/reset-password', { username: 'nobody' })).status, 404);
});

t.test('WebDAV off and on', async (t) => {
  const { gw, admin, events } = await setUp(t);
  const app = await gw.addAppPassword('alice', 'webdav');
  const propfind = () => fetch(`${gw.url}/originals/`, { method: 'PROPFIND', headers: { authorization: basic('alice', app.secret), depth: '1' } });
  t.equal((await propfind()).status, 200);
  const off = await admin.post('/account/users/webdav', { username: 'alice', webdav: 'off' });
  t.match(off.html, /WebDAV is off for alice/);
  t.equal((await gw.store.findUser('alice'))?.webdav, false);
  t.equal((await propfind()).status, 403, 'refused at once, although the credential was cached');
  t.match(events.at(-1), { event: 'user_changed', action: 'webdav off', username: 'alice', actor: 'admin:root' });
  await admin.post('/account/users/webdav', { username: 'alice', webdav: 'on' });
  t.equal((await propfind()).status, 200);
  t.equal((await admin.post('/account/users/webdav', { username: 'alice', webdav: 'maybe' })).status, 400);
});

t.test('a disabled user: every credential refused on the next request like a wrong one; enabled again, app passwords work', async (t) => {
  const { gw, admin, events } = await setUp(t);
  const app = await gw.addAppPassword('alice', '*');
  const token = await gw.addAccessToken('photos', { username: 'alice' });
  const session = await startSession(gw, 'alice', 'alice-password');
  const alicePage = await signInToAccount(gw, 'alice', 'alice-password');
  const get = (authorization: Record<string, string>) => fetch(`${gw.url}/api/v1/photos`, { headers: authorization });
  const credentials = {
    password: { authorization: basic('alice', 'alice-password') },
    'app password': { authorization: basic('alice', app.secret) },
    'app password as bearer': { authorization: `Bearer ${app.secret}` },
    'access token': { authorization: `Bearer ${token.secret}` },
    session: { 'x-auth-token': session },
  };
  for (const [name, headers] of Object.entries(credentials)) t.equal((await get(headers)).status, 200, `${name} works (and is cached)`);

  const res = await admin.post('/account/users/disabled', { username: 'alice', disabled: 'on' });
  t.equal(res.status, 200);
  t.match(userFacts(res.html, 'alice'), { status: 'disabled' });
  t.match(events.at(-1), { event: 'user_changed', action: 'disabled', username: 'alice', actor: 'admin:root' });
  const wrong = await get({ authorization: basic('alice', 'not-her-password') });
  for (const [name, headers] of Object.entries(credentials)) {
    const refused = await get(headers);
    t.equal(refused.status, 401, `${name}: 401`);
    t.same(await refused.json(), { error: 'invalid_token', error_description: 'The credential is not valid.', message: 'The credential is not valid.' }, `${name}: the body a wrong credential gets`);
  }
  t.same(await wrong.json(), { error: 'invalid_token', error_description: 'The credential is not valid.', message: 'The credential is not valid.' });
  const login = await fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-password' }) });
  t.equal(login.status, 401, 'no new session');
  t.match((await alicePage.page()).html, /<h1>Sign in<\/h1>/, 'her /account session ended');
  t.same((await gw.store.listTokens()).filter((x) => x.username === 'alice' && x.kind === 'session'), [], 'her sessions are gone from the store');

  await admin.post('/account/users/disabled', { username: 'alice', disabled: 'off' });
  t.match(events.at(-1), { action: 'enabled', username: 'alice' });
  t.equal((await get(credentials['app password'])).status, 200, 'enabled: her app password works again');
  t.equal((await get(credentials.password)).status, 200, 'and her password');
});

t.test('disabling: not themself; forward-auth refuses a disabled user too', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { trustedProxies: ['127.0.0.1'] } });
  await gw.addUser('root', 'root-password', { role: 'admin' });
  await gw.addUser('alice', 'alice-password', { webdav: true });
  const admin = await signInToAccount(gw, 'root', 'root-password');
  const app = await gw.addAppPassword('alice', '*');
  const verify = () => fetch(`${gw.url}/api/v1/auth/verify`, { headers: { authorization: basic('alice', app.secret), 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/api/v1/photos' } });
  t.equal((await verify()).status, 200);
  await admin.post('/account/users/disabled', { username: 'alice', disabled: 'on' });
  t.equal((await verify()).status, 401, 'forward-auth: 401');
  const self = await admin.post('/account/users/disabled', { username: 'root', disabled: 'on' });
  t.equal(self.status, 400);
  t.match(self.html, /role="alert">You cannot disable your own account/);
  t.notOk((await gw.store.findUser('root'))?.disabled);
});

t.test("a disabled user's refresh token is refused at the token endpoint; enabled, it works", async (t) => {
  const { gw, admin } = await setUp(t);
  const { clientId, secret } = await gw.addClient({ scope: 'photos' });
  const refreshToken = async () =>
    (await issueCredential(gw.store, systemClock, { kind: 'refresh_token', name: 'app', username: 'alice', clientId, scope: 'photos', grantType: 'authorization_code', ttlSeconds: 3600, familyId: 'f1' })).secret;
  const redeem = async (token: string) =>
    fetch(`${gw.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString(),
    });
  const kept = await refreshToken();
  await admin.post('/account/users/disabled', { username: 'alice', disabled: 'on' });
  const refused = await redeem(await refreshToken());
  t.equal(refused.status, 400);
  t.match(await refused.json(), { error: 'invalid_grant' }, 'disabled: invalid_grant, as for an unknown refresh token');
  t.equal((await redeem(kept)).status, 400, 'the one issued before was ended by the disable');
  await admin.post('/account/users/disabled', { username: 'alice', disabled: 'off' });
  t.equal((await redeem(await refreshToken())).status, 200, 'enabled: a new one works');
});

t.test('a client owned by a disabled user is refused like a wrong secret; enabled, it works', async (t) => {
  const { gw, admin } = await setUp(t);
  const { clientId, secret } = await gw.addClient({ scope: 'photos', username: 'alice' });
  const token = () =>
    fetch(`${gw.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
  t.equal((await token()).status, 200, 'enabled owner: a token');
  await admin.post('/account/users/disabled', { username: 'alice', disabled: 'on' });
  const refused = await token();
  t.equal(refused.status, 401);
  t.match(await refused.json(), { error: 'invalid_client', error_description: 'Client authentication failed.' }, 'the answer a wrong secret gets');
  t.match(refused.headers.get('www-authenticate'), /^Basic /, 'with the Basic challenge (RFC 6749 §5.2)');
  await admin.post('/account/users/disabled', { username: 'alice', disabled: 'off' });
  t.equal((await token()).status, 200, 'enabled again: a token');
});

t.test('two-factor off for someone who lost their phone', async (t) => {
  const { gw, admin, events } = await setUp(t);
  await gw.store.updateUser('alice', { twoFactor: twoFactorOn }, 1);
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'alice-password') } })).status, 401, 'her password alone is refused with two-factor on');
  t.match(userFacts(await admin.html(), 'alice'), { twoFactor: 'on' });
  const res = await admin.post('/account/users/two-factor-off', { username: 'alice' });
  t.match(res.html, /Two-factor sign-in is off for alice/);
  t.notOk((await gw.store.findUser('alice'))?.twoFactor);
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'alice-password') } })).status, 200, 'her password works alone again');
  t.match(events.at(-1), { event: 'two_factor_changed', action: 'disabled', username: 'alice', actor: 'admin:root' });
});

t.test("see and revoke any user's app passwords", async (t) => {
  const { gw, admin, events } = await setUp(t);
  const one = await gw.addAppPassword('alice', 'photos');
  await gw.addAppPassword('alice', 'webdav');
  const rootApp = await gw.addAppPassword('root', 'photos');
  t.match(userFacts(await admin.html(), 'alice'), { appPasswords: '2' }, 'counted in the list');
  const list = await admin.post('/account/users/app-passwords', { username: 'alice' });
  t.match(list.html, /App passwords of alice/);
  const section = list.html.slice(list.html.indexOf('App passwords of alice'), list.html.indexOf('Add a user'));
  t.equal([...section.matchAll(/name="id" value="([^"]+)"/g)].length, 2);
  t.notOk(section.includes(rootApp.record.id), "not root's");
  const revoked = await admin.post('/account/users/app-passwords/revoke', { username: 'alice', id: one.record.id });
  t.equal(revoked.status, 200);
  t.equal(await gw.store.findToken(one.record.id), undefined);
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', one.secret) } })).status, 401, 'revoked: 401');
  t.match(events.find((e) => e.event === 'token_revoked'), { credential: one.record.id, username: 'alice', actor: 'admin:root' });
  t.equal((await admin.post('/account/users/app-passwords/revoke', { username: 'alice', id: rootApp.record.id })).status, 404, "another user's id under alice's name");
  t.ok(await gw.store.findToken(rootApp.record.id));
});

t.test('remove: a confirmation first; never themself', async (t) => {
  const { gw, admin, events } = await setUp(t);
  await gw.addAppPassword('alice', 'photos');
  const ask = await admin.post('/account/users/remove', { username: 'alice' });
  t.equal(ask.status, 200);
  t.match(ask.html, /Remove alice\?[\s\S]*its 1 app passwords[\s\S]*name="confirm" value="yes" required/);
  t.ok(await gw.store.findUser('alice'), 'not removed yet');
  const unconfirmed = await admin.post('/account/users/remove', { username: 'alice', confirm: 'no' });
  t.match(unconfirmed.html, /Remove alice\?/, 'anything but yes asks again');
  const done = await admin.post('/account/users/remove', { username: 'alice', confirm: 'yes' });
  t.match(done.html, /alice was removed/);
  t.equal(await gw.store.findUser('alice'), undefined);
  t.same((await gw.store.listTokens()).filter((x) => x.username === 'alice'), []);
  t.match(events.at(-1), { event: 'user_changed', action: 'removed', username: 'alice', actor: 'admin:root' });
  const self = await admin.post('/account/users/remove', { username: 'root', confirm: 'yes' });
  t.equal(self.status, 400);
  t.match(self.html, /You cannot remove your own account/);
});

t.test('non-admins see no Users section and get 403 pages; forms need their CSRF token', async (t) => {
  const { gw, admin } = await setUp(t);
  const alice = await signInToAccount(gw, 'alice', 'alice-password');
  const page = await alice.page();
  t.notMatch(page.html, /Users|\/account\/users/, 'no section, no form');
  const posts: [string, Record<string, string>][] = [
    ['/account/users/add', { username: 'mallory', role: 'admin' }],
    ['/account/users/reset-password', { username: 'root' }],
    ['/account/users/webdav', { username: 'alice', webdav: 'on' }],
    ['/account/users/disabled', { username: 'root', disabled: 'on' }],
    ['/account/users/two-factor-off', { username: 'root' }],
    ['/account/users/remove', { username: 'root', confirm: 'yes' }],
    ['/account/users/app-passwords', { username: 'root' }],
    ['/account/users/app-passwords/revoke', { username: 'root', id: 'sessxxxxxxxx' }],
  ];
  const before = JSON.stringify([await gw.store.listUsers(), await gw.store.listTokens()]);
  for (const [path, fields] of posts) {
    const res = await alice.post(path, fields, page);
    t.equal(res.status, 403, `${path}: 403`);
    t.match(res.html, /role="alert">Only administrators manage users/, `${path}: an HTML page`);
    const noCsrf = await postForm(`${gw.url}${path}`, { ...(await admin.page()), hidden: {} }, fields);
    t.equal(noCsrf.status, 400, `${path}: an admin's post without the CSRF token is 400`);
  }
  t.equal(JSON.stringify([await gw.store.listUsers(), await gw.store.listTokens()]), before, 'nothing changed');
  const anonymous = await postForm(`${gw.url}/account/users/add`, await getFormPage(`${gw.url}/account`), { username: 'x', role: 'user' });
  t.equal(anonymous.status, 401, 'without a session: 401 and the sign-in form');
});

t.test('admin JSON API: an admin token acts for another user; a user token does not', async (t) => {
  const { gw, events } = await setUp(t);
  const rootToken = { 'x-auth-token': await startSession(gw, 'root', 'root-password') };
  const aliceToken = { 'x-auth-token': await startSession(gw, 'alice', 'alice-password') };
  const app = await gw.addAppPassword('alice', 'photos');
  const api = (path: string, method: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${gw.url}/api/v1/users/${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  const list = await api('alice/sessions', 'GET', rootToken);
  t.equal(list.status, 200);
  t.match(await list.json(), [{ ID: app.record.id, AuthScope: 'photos' }], "alice's app passwords, for the admin");
  t.equal((await api('root/sessions', 'GET', aliceToken)).status, 403, 'a user for another: 403');
  t.equal((await api('nobody/sessions', 'GET', rootToken)).status, 404, 'an unknown user: 404');

  const password = await api('alice/password', 'PUT', rootToken, { new: 'a new password for alice' });
  t.equal(password.status, 200, 'an admin sets a password without the old one');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'a new password for alice') } })).status, 200);
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: aliceToken })).status, 401, "alice's sessions ended");
  t.match(events.find((e) => e.event === 'password_changed'), { username: 'alice', actor: 'admin:root' });
  t.equal((await api('alice/password', 'PUT', rootToken, { new: 'short' })).status, 400);

  await gw.store.updateUser('alice', { twoFactor: twoFactorOn }, 1);
  t.equal((await api('alice/passcode', 'POST', rootToken, { type: 'totp', password: 'root-password' })).status, 403, 'setting up is her own');
  const off = await api('alice/passcode/deactivate', 'POST', rootToken, { type: 'totp' });
  t.equal(off.status, 200, 'turning it off is not');
  t.notOk((await gw.store.findUser('alice'))?.twoFactor);
  const appPassword = { authorization: `Bearer ${(await gw.addAppPassword('root', '*')).secret}` };
  t.equal((await api('alice/sessions', 'GET', appPassword)).status, 403, "an admin's app password never manages accounts");
});
