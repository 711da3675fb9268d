/**
 * The /account page's password and two-factor sections over plain HTTP (a browser without
 * JavaScript), against a real gateway and echo upstream:
 *
 * - bad input (missing fields, new passwords that differ or are too short, a wrong current
 *   password, a wrong code, no CSRF token) shows the page with an alert and a 4xx, never 500,
 *   and changes nothing;
 * - a password change refuses the old password and takes the new one, keeps this browser's
 *   session, ends the other sessions; with the option it also revokes every refresh token (and
 *   the access tokens issued beside it), while app passwords keep working;
 * - two-factor: set up with the password (QR code and key), one code turns it on and shows ten
 *   recovery codes once; sign-in then needs a code; a recovery code signs in once; new codes
 *   replace the old; turning it off needs the password and a code; each change is audited.
 */
import t, { type Test } from 'tap';
import type { AuditEvent } from '../../src/audit/audit.js';
import { issueCredential } from '../../src/credentials/issue-credential.js';
import { totpCode } from '../../src/two-factor/totp.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { type ManualClock, manualClock } from '../helpers/manual-clock.js';
import { type FormPage, getFormPage, postForm } from '../helpers/oauth-forms.js';
import { basic, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const password = 'correct horse';

async function setUp(t: Test, clock: ManualClock = manualClock()) {
  const events: AuditEvent[] = [];
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, clock, audit: { record: (event) => events.push(event) } });
  await gw.addUser('alice', password);
  return { gw, clock, events };
}

/** Signs in on /account (with a code when given); resolves to the signed-in page. */
async function signIn(gw: TestGateway, secret = password, code?: string): Promise<FormPage & { res: Response }> {
  const form = await getFormPage(`${gw.url}/account`);
  const res = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: secret, ...(code !== undefined && { code }) });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('photogate-account='))?.split(';')[0];
  const cookie = session === undefined ? form.cookie : `${form.cookie}; ${session}`;
  return { ...(await getFormPage(`${gw.url}/account`, cookie)), res };
}

async function post(gw: TestGateway, page: FormPage, path: string, fields: Record<string, string>) {
  const res = await postForm(`${gw.url}${path}`, page, fields);
  const html = await res.text();
  return { status: res.status, html, alert: /role="alert">([^<]*)</.exec(html)?.[1], location: res.headers.get('location') };
}

const sessionApi = (gw: TestGateway, body: Record<string, string>) =>
  fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const photos = (gw: TestGateway, authorization: string) => fetch(`${gw.url}/api/v1/photos`, { headers: { authorization } }).then((r) => r.status);

t.test('password change: bad input shows the page with an alert and a 4xx, and changes nothing', async (t) => {
  const { gw } = await setUp(t);
  const page = await signIn(gw);
  t.match(page.html, /id="password-current" name="current_password" type="password" autocomplete="current-password"/);
  t.match(page.html, /id="password-new" name="new_password" type="password" autocomplete="new-password"/);
  t.match(page.html, /App passwords stay/, 'the page says app passwords stay');
  const good = { current_password: password, new_password: 'battery staple', new_password_again: 'battery staple' };
  const cases: { name: string; fields: Record<string, string>; status: number; alert: RegExp }[] = [
    { name: 'no fields', fields: {}, status: 400, alert: /current password/ },
    { name: 'no current password', fields: { ...good, current_password: '' }, status: 400, alert: /current password/ },
    { name: 'new passwords differ', fields: { ...good, new_password_again: 'battery stapler' }, status: 400, alert: /not the same/ },
    { name: 'too short', fields: { ...good, new_password: 'short', new_password_again: 'short' }, status: 400, alert: /at least 8/ },
    { name: 'wrong current password', fields: { ...good, current_password: 'wrong horse' }, status: 400, alert: /not right/ },
  ];
  for (const c of cases) {
    const res = await post(gw, page, '/account/password', c.fields);
    t.equal(res.status, c.status, `${c.name}: ${c.status}`);
    t.match(res.alert, c.alert, `${c.name}: the alert says why`);
    t.match(res.html, /Signed in as/, `${c.name}: still signed in`);
  }
  t.equal((await post(gw, { ...page, hidden: {} }, '/account/password', good)).status, 400, 'no CSRF token: 400');
  t.equal((await post(gw, { ...page, cookie: page.cookie.replace(/photogate-account=[^;]*/, 'photogate-account=x') }, '/account/password', good)).status, 401, 'no session: 401');
  t.equal((await sessionApi(gw, { username: 'alice', password })).status, 200, 'the password is unchanged');
});

t.test('wrong current passwords count in the brute-force limits', async (t) => {
  const { gw } = await setUp(t);
  const page = await signIn(gw);
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) {
    statuses.push((await post(gw, page, '/account/password', { current_password: 'wrong', new_password: 'battery staple', new_password_again: 'battery staple' })).status);
  }
  t.same(statuses.slice(0, 10), Array(10).fill(400));
  t.equal(statuses[10], 429, 'then 429, shown on the page');
});

t.test('password change: old refused, new works, other sessions end; with the option refresh tokens go, app passwords stay', async (t) => {
  const { gw, clock, events } = await setUp(t);
  const { secret: app } = await gw.addAppPassword('alice', 'photos');
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos' });
  const connect = async (familyId: string) => {
    const issue = (kind: 'access_token' | 'refresh_token') =>
      issueCredential(gw.store, clock, { kind, name: 'app', username: 'alice', clientId, scope: 'photos', grantType: 'authorization_code', ttlSeconds: 3600, familyId });
    return { access: (await issue('access_token')).secret, refresh: (await issue('refresh_token')).secret };
  };
  const refresh = (token: string) =>
    fetch(`${gw.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: clientId }),
    });
  const connected = await connect('family-1');
  const other = String(((await (await sessionApi(gw, { username: 'alice', password })).json()) as { access_token: string }).access_token);
  const otherBrowser = await signIn(gw);
  const page = await signIn(gw);

  const changed = await post(gw, page, '/account/password', { current_password: password, new_password: 'battery staple', new_password_again: 'battery staple' });
  t.equal(changed.status, 200);
  t.match(changed.html, /id="password-changed">Your password was changed: 2 other sessions ended\. This browser stays signed in/);
  t.equal((await sessionApi(gw, { username: 'alice', password })).status, 401, 'the old password is refused');
  t.equal((await sessionApi(gw, { username: 'alice', password: 'battery staple' })).status, 200, 'the new one works');
  t.equal((await fetch(`${gw.url}/api/v1/session`, { headers: { 'x-auth-token': other } })).status, 401, 'the other API session ended');
  t.match((await getFormPage(`${gw.url}/account`, otherBrowser.cookie)).html, /<h1>Sign in<\/h1>/, 'the other browser is signed out');
  t.match((await getFormPage(`${gw.url}/account`, page.cookie)).html, /Signed in as/, 'this browser stays signed in');
  t.equal(await photos(gw, `Bearer ${connected.access}`), 200, 'without the option the connected app keeps its access token');
  t.equal(await photos(gw, basic('alice', app)), 200, 'and the app password works');

  const second = await connect('family-2');
  const again = await post(gw, page, '/account/password', {
    current_password: 'battery staple', new_password: 'tr0ub4dor&3', new_password_again: 'tr0ub4dor&3', sign_out_everywhere: 'on',
  });
  t.equal(again.status, 200);
  t.match(again.html, /1 other session ended, 2 connected apps were signed out/);
  t.equal(await photos(gw, `Bearer ${second.access}`), 401, 'with the option: the access token issued beside the refresh token is gone');
  t.equal((await refresh(second.refresh)).status, 400, 'and the refresh token is refused');
  t.equal((await refresh(connected.refresh)).status, 400, 'every refresh token');
  t.equal(await photos(gw, basic('alice', app)), 200, 'the app password still works');
  t.match((await getFormPage(`${gw.url}/account`, page.cookie)).html, /Signed in as/, 'this browser stays signed in');
  t.match(events.filter((e) => e.event === 'password_changed'), [
    { outcome: 'success', username: 'alice', address: '127.0.0.1' },
    { outcome: 'success', username: 'alice', action: 'signed out everywhere' },
  ]);
});

/** The key shown by the set-up step. */
const keyOf = (html: string) => /id="two-factor-key">([A-Z2-7]+)</.exec(html)?.[1] ?? '';
const codesOf = (html: string) => [...html.matchAll(/<li><code>([0-9a-z]{12})<\/code><\/li>/g)].map((m) => m[1] as string);

t.test('two-factor on the page: set up, turn on, recovery codes, sign in, new codes, turn off', async (t) => {
  const { gw, clock, events } = await setUp(t);
  const page = await signIn(gw);
  t.match(page.html, /Two-factor sign-in is <strong>off<\/strong>/);

  const wrongPassword = await post(gw, page, '/account/two-factor/set-up', { password: 'wrong' });
  t.equal(wrongPassword.status, 400);
  t.match(wrongPassword.alert, /not right/);
  t.equal((await post(gw, page, '/account/two-factor/set-up', {})).status, 400, 'no password: 400');
  t.equal((await post(gw, page, '/account/two-factor/enable', { code: '123456' })).status, 400, 'a code before set-up: 400');

  const first = keyOf((await post(gw, page, '/account/two-factor/set-up', { password })).html);
  t.match((await getFormPage(`${gw.url}/account`, page.cookie)).html, /Show a new key/, 'a set-up left unfinished can start again');
  const shown = await post(gw, page, '/account/two-factor/set-up', { password });
  t.equal(shown.status, 200);
  t.not(keyOf(shown.html), first, 'with a new key');
  t.match(shown.html, /<img id="two-factor-qr" src="data:image\/png;base64,[^"]+" alt="QR code/);
  const key = keyOf(shown.html);
  t.match(key, /^[A-Z2-7]{32}$/, 'the key in text');
  t.match(shown.html, /id="enable-code" name="code" type="text" autocomplete="one-time-code"/);
  const pending = await getFormPage(`${gw.url}/account`, page.cookie);
  t.match(pending.html, /Set-up started/, 'a plain page load asks for the code');
  t.notMatch(pending.html, key, 'but never shows the key again');

  const wrongCode = await post(gw, page, '/account/two-factor/enable', { code: '000000' });
  t.equal(wrongCode.status, 400, 'a wrong code: 400');
  t.match(wrongCode.alert, /not right/);
  t.equal((await post(gw, page, '/account/two-factor/enable', { code: '' })).status, 400, 'no code: 400');
  t.equal((await sessionApi(gw, { username: 'alice', password })).status, 200, 'still off');

  const on = await post(gw, page, '/account/two-factor/enable', { code: totpCode(key, clock.nowMs()) });
  t.equal(on.status, 200);
  t.match(on.html, /Two-factor sign-in is <strong>on<\/strong>/);
  const codes = codesOf(on.html);
  t.equal(new Set(codes).size, 10, 'ten recovery codes, shown once');
  const reloaded = await getFormPage(`${gw.url}/account`, page.cookie);
  t.match(reloaded.html, /id="recovery-codes-left">10 recovery codes left/);
  t.equal(codesOf(reloaded.html).length, 0, 'not shown again');
  clock.advance(30_000);

  t.equal((await signIn(gw)).res.status, 401, 'sign-in without a code: refused');
  const withCode = await signIn(gw, password, totpCode(key, clock.nowMs()));
  t.equal(withCode.res.status, 303, 'with a code: signed in');
  const withRecovery = await signIn(gw, password, (codes[0] as string).toUpperCase());
  t.equal(withRecovery.res.status, 303, 'with a recovery code: signed in');
  t.equal((await signIn(gw, password, codes[0])).res.status, 401, 'the same recovery code again: refused');
  t.match(withRecovery.html, /9 recovery codes left/, 'two-factor stays on, one code fewer');
  clock.advance(30_000);

  const badReplace = await post(gw, page, '/account/two-factor/recovery-codes', { password, code: '000000' });
  t.equal(badReplace.status, 400, 'new codes with a wrong code: 400');
  t.equal((await post(gw, page, '/account/two-factor/recovery-codes', { password })).status, 400, 'without a code: 400');
  const replaced = await post(gw, page, '/account/two-factor/recovery-codes', { password, code: totpCode(key, clock.nowMs()) });
  t.equal(replaced.status, 200);
  const fresh = codesOf(replaced.html);
  t.equal(fresh.length, 10);
  t.equal((await signIn(gw, password, codes[1])).res.status, 401, 'an old recovery code no longer works');
  clock.advance(30_000);

  const disableCases: { name: string; fields: Record<string, string>; status: number }[] = [
    { name: 'no code', fields: { password }, status: 400 },
    { name: 'a wrong code', fields: { password, code: '000000' }, status: 400 },
    { name: 'a wrong password', fields: { password: 'wrong', code: totpCode(key, clock.nowMs()) }, status: 400 },
    { name: 'no password', fields: { code: totpCode(key, clock.nowMs()) }, status: 400 },
  ];
  for (const c of disableCases) {
    const res = await post(gw, page, '/account/two-factor/disable', c.fields);
    t.equal(res.status, c.status, `turning off with ${c.name}: ${c.status}`);
    t.ok(res.alert, 'with an alert');
  }
  t.equal((await sessionApi(gw, { username: 'alice', password })).status, 401, 'still on');
  const off = await post(gw, page, '/account/two-factor/disable', { password, code: fresh[3] as string });
  t.equal(off.status, 303, 'password and a recovery code turn it off');
  t.match((await getFormPage(`${gw.url}/account`, page.cookie)).html, /Two-factor sign-in is <strong>off<\/strong>/);
  t.equal((await sessionApi(gw, { username: 'alice', password })).status, 200, 'sign-in needs no code again');

  t.match(events.filter((e) => e.event === 'two_factor_changed').map((e) => e.action), [
    'enabled', 'recovery code used', 'recovery codes replaced', 'recovery code used', 'disabled',
  ]);
  const trail = JSON.stringify(events);
  t.ok([key, ...codes, ...fresh].every((secret) => !trail.includes(secret)), 'no key or code in the audit trail');
});

t.test('a recovery code sent twice at once signs in once', async (t) => {
  const { gw, clock } = await setUp(t);
  const page = await signIn(gw);
  const key = keyOf((await post(gw, page, '/account/two-factor/set-up', { password })).html);
  const codes = codesOf((await post(gw, page, '/account/two-factor/enable', { code: totpCode(key, clock.nowMs()) })).html);
  const results = await Promise.all([1, 2].map(() => signIn(gw, password, codes[0])));
  const statuses = results.map((r) => r.res.status).sort();
  t.equal(statuses[0], 303, 'one wins');
  // 400 (used) when both read the code before either took it, 401 (not a code) when one was done first.
  t.ok(statuses[1] === 400 || statuses[1] === 401, `the other is refused (${statuses[1]})`);
});
