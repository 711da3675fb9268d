/**
 * Two-factor sign-in (PRODUCT.md "two-factor", "account API"): set up through the account API in
 * the reference server's steps, then asked for wherever the user's own password is accepted
 * (session API, password grant, authorize page, HTTP Basic refused); app passwords never ask; a
 * code works once; wrong codes count in the brute-force limits; the secret is not in clear at
 * rest; the session records the second factor (`amr`).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import t, { type Test } from 'tap';
import type { AuditEvent } from '../../src/audit/audit.js';
import { digestSecret } from '../../src/credentials/secrets.js';
import { totpCode } from '../../src/two-factor/totp.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { type ManualClock, manualClock } from '../helpers/manual-clock.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { runCliJson } from '../helpers/run-cli.js';
import { basic, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { within } from '../helpers/within.js';

type Json = Record<string, unknown>;

async function post(url: string, body: Json, headers: Record<string, string> = {}, method = 'POST') {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as Json };
}

async function session(gw: TestGateway, body: Json) {
  return post(`${gw.url}/api/v1/session`, body);
}

/** A gateway with alice, two-factor on; returns her TOTP secret and recovery code. */
async function withTwoFactor(t: Test, clock: ManualClock = manualClock(Date.UTC(2026, 0, 1))) {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, clock });
  await gw.addUser('alice', 'correct horse', { role: 'user' });
  const token = String((await session(gw, { username: 'alice', password: 'correct horse' })).json.access_token);
  const auth = { 'x-auth-token': token };
  const setUp = await post(`${gw.url}/api/v1/users/alice/passcode`, { type: 'totp', password: 'correct horse' }, auth);
  const secret = String(setUp.json.Secret);
  await post(`${gw.url}/api/v1/users/alice/passcode/confirm`, { type: 'totp', code: totpCode(secret, clock.nowMs()) }, auth);
  const activated = await post(`${gw.url}/api/v1/users/alice/passcode/activate`, { type: 'totp' }, auth);
  clock.advance(30_000);
  return { upstream, gw, clock, secret, recovery: String(activated.json.RecoveryCode), recoveryCodes: activated.json.RecoveryCodes as string[], auth };
}

t.test('setting up: passcode, confirm, activate in the reference shapes', async (t) => {
  const clock = manualClock(Date.UTC(2026, 0, 1));
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, clock });
  await gw.addUser('alice', 'correct horse', { role: 'user' });
  const token = String((await session(gw, { username: 'alice', password: 'correct horse' })).json.access_token);
  const auth = { 'x-auth-token': token };
  const base = `${gw.url}/api/v1/users/alice/passcode`;

  t.equal((await post(base, { type: 'totp', password: 'wrong password' }, auth)).status, 400, 'needs the password');
  t.equal((await post(base, { type: 'totp', password: 'wrong password' }, auth)).json.error, 'invalid_grant');
  t.equal((await post(base, { type: 'sms', password: 'correct horse' }, auth)).status, 400, 'totp only');
  const setUp = await post(base, { type: 'totp', code: '', password: 'correct horse' }, auth);
  t.equal(setUp.status, 200);
  t.equal(setUp.json.Type, 'totp');
  t.match(setUp.json.Secret, /^[A-Z2-7]{32}$/);
  t.match(setUp.json.QRCode, /^data:image\/png;base64,/);
  t.match(setUp.json.URI, /^otpauth:\/\/totp\/.*secret=/);
  t.match(setUp.json.RecoveryCode, /^[0-9a-z]{12}$/, 'the 12 characters PhotoPrism\'s code field takes');
  const codes = setUp.json.RecoveryCodes as string[];
  t.equal(new Set(codes).size, 10, 'ten different recovery codes');
  t.ok(codes.every((code) => /^[0-9a-z]{12}$/.test(code)));
  t.equal(codes[0], setUp.json.RecoveryCode, 'RecoveryCode is the first of them');
  t.equal(setUp.json.VerifiedAt, null);
  t.equal(setUp.json.ActivatedAt, null);
  const secret = String(setUp.json.Secret);

  t.equal((await post(`${base}/activate`, { type: 'totp' }, auth)).status, 400, 'not before a code was confirmed');
  t.equal((await post(`${base}/confirm`, { type: 'totp', code: '000000' }, auth)).status, 400, 'a wrong code');
  const code = totpCode(secret, clock.nowMs());
  const confirmed = await post(`${base}/confirm`, { type: 'totp', code }, auth);
  t.equal(confirmed.status, 200);
  t.type(confirmed.json.VerifiedAt, 'string');
  t.equal(confirmed.json.ActivatedAt, null);
  t.equal((await session(gw, { username: 'alice', password: 'correct horse' })).status, 200, 'not asked before activation');
  const photos = () => fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'correct horse') } }).then((r) => r.status);
  t.equal(await photos(), 200, 'Basic with the password works before activation (and is cached)');

  const activated = await post(`${base}/activate`, { type: 'totp' }, auth);
  t.equal(activated.status, 200);
  t.type(activated.json.ActivatedAt, 'string');
  t.equal(activated.json.RecoveryCode, setUp.json.RecoveryCode, 'the recovery code, shown a last time');
  t.same(activated.json.RecoveryCodes, codes, 'all of them');
  t.equal(activated.json.Secret, '', 'the secret is not shown again');
  const described = await fetch(`${gw.url}/api/v1/session`, { headers: auth });
  t.equal(((await described.json()) as { user: Json }).user.AuthMethod, '2fa', 'the UI sees two-factor on');
  t.equal(await photos(), 401, 'activation evicts the cached password: refused at once');

  const files = [gw.storePath, `${gw.storePath}.journal`].filter((f) => existsSync(f));
  const atRest = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
  t.notMatch(atRest, secret, 'the TOTP secret is not in the store in clear');
  t.notMatch(atRest, String(setUp.json.RecoveryCode), 'nor the recovery code');
  t.ok(codes.every((code) => !atRest.includes(code)), 'nor any recovery code');
  t.equal((await stat(`${gw.storePath}.key`)).mode & 0o777, 0o600, 'the sealing key is apart from the store, 0600');
});

t.test('the session API asks for the code: 401 passcode_required with code 32; a code works once', async (t) => {
  const { gw, clock, secret } = await withTwoFactor(t);
  const missing = await session(gw, { username: 'alice', password: 'correct horse', code: '' });
  t.equal(missing.status, 401);
  t.equal(missing.json.error, 'passcode_required');
  t.equal(missing.json.code, 32, 'what makes PhotoPrism\'s UI show its code field');
  t.equal(missing.json.message, missing.json.error_description);
  const wrongPassword = await session(gw, { username: 'alice', password: 'wrong password' });
  t.equal(wrongPassword.json.error, 'invalid_grant', 'a wrong password is not asked for a code');

  const code = totpCode(secret, clock.nowMs());
  const ok = await session(gw, { username: 'alice', password: 'correct horse', code });
  t.equal(ok.status, 200);
  const record = (await gw.store.listTokens()).find((x) => x.id === ok.json.session_id);
  t.same(record?.amr, ['pwd', 'otp', 'mfa'], 'the session records the second factor');
  const replay = await session(gw, { username: 'alice', password: 'correct horse', code });
  t.equal(replay.status, 400, 'the same code twice: refused (400: PhotoPrism\'s UI posts its code form twice, and signs out on 401)');
  t.equal(replay.json.error, 'invalid_grant');
  clock.advance(30_000);
  t.equal((await session(gw, { username: 'alice', password: 'correct horse', code: totpCode(secret, clock.nowMs()) })).status, 200, 'the next code works');

  clock.advance(30_000);
  const racing = totpCode(secret, clock.nowMs());
  const both = await Promise.all([1, 2].map(() => session(gw, { username: 'alice', password: 'correct horse', code: racing })));
  t.same(both.map((r) => r.status).sort(), [200, 400], 'one code sent twice at once works once');
});

t.test('app passwords never ask for a code; Basic with the user\'s own password is refused', async (t) => {
  const { gw, clock, secret, auth } = await withTwoFactor(t);
  const photos = (headers: Record<string, string>) => fetch(`${gw.url}/api/v1/photos`, { headers }).then((r) => r.status);
  t.equal(await photos({ authorization: basic('alice', 'correct horse') }), 401, 'Basic with the password: refused');
  t.equal(await photos(auth), 200, 'the session still works');

  const grant = (body: Record<string, string>) =>
    fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
  const form = { grant_type: 'password', username: 'alice', password: 'correct horse', client_name: 'rclone', scope: '*', expires_in: '0' };
  const noCode = await grant(form);
  t.equal(noCode.status, 401);
  t.match(await noCode.json(), { error: 'passcode_required', code: 32 });
  const minted = await grant({ ...form, code: totpCode(secret, clock.nowMs()) });
  t.equal(minted.status, 200);
  const app = String(((await minted.json()) as Json).access_token);

  t.equal(await photos({ authorization: basic('alice', app) }), 200, 'the app password over Basic, no code');
  t.equal((await session(gw, { username: 'alice', password: app })).status, 200, 'and at the session API');
});

t.test('wrong codes count in the brute-force limits', async (t) => {
  const { gw } = await withTwoFactor(t);
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await session(gw, { username: 'alice', password: 'correct horse', code: '000000' })).status);
  t.same(statuses.slice(0, 10), Array(10).fill(401));
  t.equal(statuses[11], 429, 'the address is out of attempts');
});

t.test('each recovery code signs in once and two-factor stays on; deactivate needs the password', async (t) => {
  const { gw, recovery, recoveryCodes, auth } = await withTwoFactor(t);
  const base = `${gw.url}/api/v1/users/alice/passcode`;
  t.equal((await post(`${base}/deactivate`, { type: 'totp', password: 'wrong password' }, auth)).status, 400);
  const used = await session(gw, { username: 'alice', password: 'correct horse', code: recovery.toUpperCase() });
  t.equal(used.status, 200, 'a recovery code signs in (case and dashes ignored)');
  const record = (await gw.store.listTokens()).find((x) => x.id === used.json.session_id);
  t.same(record?.amr, ['pwd', 'otp', 'mfa']);
  t.equal((await session(gw, { username: 'alice', password: 'correct horse', code: recovery })).status, 401, 'the same code again: refused');
  t.equal((await session(gw, { username: 'alice', password: 'correct horse' })).json.error, 'passcode_required', 'two-factor stays on');
  t.equal((await gw.store.findUser('alice'))?.twoFactor?.recoveryCodeDigests.length, 9, 'nine codes left');
  const racing = recoveryCodes[1] as string;
  const both = await Promise.all([1, 2].map(() => session(gw, { username: 'alice', password: 'correct horse', code: racing })));
  const statuses = both.map((r) => r.status).sort();
  t.equal(statuses[0], 200, 'one recovery code sent twice at once works once');
  // 400 (used) when both read the code before either took it, 401 (not a code) when one was done first.
  t.ok(statuses[1] === 400 || statuses[1] === 401, `the other is refused (${statuses[1]})`);

  const again = await withTwoFactor(t);
  const off = await post(`${again.gw.url}/api/v1/users/alice/passcode/deactivate`, { type: 'totp', password: 'correct horse' }, again.auth);
  t.equal(off.status, 200);
  t.equal(off.json.ActivatedAt, null);
  t.equal((await fetch(`${again.gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'correct horse') } })).status, 200, 'Basic works again');
});

t.test('an admin turns two-factor off from the CLI while the gateway runs', async (t) => {
  const { gw } = await withTwoFactor(t);
  const photos = () => fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'correct horse') } }).then((r) => r.status);
  t.equal(await photos(), 401);
  const off = await runCliJson<Record<string, unknown>>(['users', 'mod', 'alice', '--no-2fa', '--store', gw.storePath]);
  t.equal(off.code, 0);
  t.equal(off.json?.two_factor, false);
  await within(3000, async () => (await photos()) === 200);
  t.pass('the running gateway takes it in');
});

t.test('the device page takes the code; the device grant records it', async (t) => {
  const { gw, clock, secret } = await withTwoFactor(t);
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos' });
  const started = await fetch(`${gw.url}/api/v1/oauth/device`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: clientId, scope: 'photos' }) });
  const device = (await started.json()) as { user_code: string; device_code: string };
  const page = await getFormPage(`${gw.url}/device`);
  t.match(page.html, /name="code"/);
  const fields = { user_code: device.user_code, username: 'alice', password: 'correct horse', decision: 'allow' };
  const missing = await postForm(`${gw.url}/device`, page, fields);
  t.equal(missing.status, 401);
  t.match(await missing.text(), /authenticator app/);
  const again = await getFormPage(`${gw.url}/device`, page.cookie);
  const ok = await postForm(`${gw.url}/device`, again, { ...fields, code: totpCode(secret, clock.nowMs()) });
  t.equal(ok.status, 200);
  const grant = await gw.store.findGrantByDigest(digestSecret(device.device_code));
  t.match(grant, { status: 'approved', username: 'alice', amr: ['pwd', 'otp', 'mfa'] });
});

t.test('the authorize page takes the code; the grant records it', async (t) => {
  const { gw, clock, secret } = await withTwoFactor(t);
  const redirectUri = 'http://127.0.0.1:1/cb';
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos', redirectUris: [redirectUri] });
  const url = `${gw.url}/api/v1/oauth/authorize?${new URLSearchParams({
    client_id: clientId, redirect_uri: redirectUri, response_type: 'code', state: 's',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  })}`;
  const page = await getFormPage(url);
  t.match(page.html, /name="code"/, 'the page has a code field');
  const missing = await postForm(`${gw.url}/api/v1/oauth/authorize`, page, { username: 'alice', password: 'correct horse', decision: 'allow' });
  t.equal(missing.status, 401);
  t.match(await missing.text(), /authenticator app/);
  const again = await getFormPage(url, page.cookie);
  const ok = await postForm(`${gw.url}/api/v1/oauth/authorize`, again, { username: 'alice', password: 'correct horse', code: totpCode(secret, clock.nowMs()), decision: 'allow' });
  t.equal(ok.status, 303);
  const code = new URL(String(ok.headers.get('location'))).searchParams.get('code') ?? '';
  const grant = await gw.store.findGrantByDigest(digestSecret(code));
  t.same(grant?.amr, ['pwd', 'otp', 'mfa'], 'for an ID token\'s amr (OIDC)');
});

t.test('turning two-factor on and off, and a recovery code sign-in, are in the audit trail', async (t) => {
  const events: AuditEvent[] = [];
  const clock = manualClock(Date.UTC(2026, 0, 1));
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, clock, audit: { record: (event) => events.push(event) } });
  await gw.addUser('alice', 'correct horse', { role: 'user' });
  const token = String((await session(gw, { username: 'alice', password: 'correct horse' })).json.access_token);
  const auth = { 'x-auth-token': token };
  const secret = String((await post(`${gw.url}/api/v1/users/alice/passcode`, { type: 'totp', password: 'correct horse' }, auth)).json.Secret);
  await post(`${gw.url}/api/v1/users/alice/passcode/confirm`, { type: 'totp', code: totpCode(secret, clock.nowMs()) }, auth);
  const activated = await post(`${gw.url}/api/v1/users/alice/passcode/activate`, { type: 'totp' }, auth);
  t.equal(activated.status, 200);
  t.equal((await session(gw, { username: 'alice', password: 'correct horse', code: String(activated.json.RecoveryCode) })).status, 200);
  t.equal((await post(`${gw.url}/api/v1/users/alice/passcode/deactivate`, { type: 'totp', password: 'correct horse' }, auth)).status, 200);
  const changes = events.filter((e) => e.event === 'two_factor_changed');
  t.match(changes, [
    { outcome: 'success', username: 'alice', action: 'enabled', address: '127.0.0.1' },
    { outcome: 'success', username: 'alice', action: 'recovery code used', address: '127.0.0.1' },
    { outcome: 'success', username: 'alice', action: 'disabled', address: '127.0.0.1' },
  ]);
  t.notOk(JSON.stringify(events).includes(secret), 'never the secret');
  t.notOk(JSON.stringify(events).includes(String(activated.json.RecoveryCode)), 'nor the recovery code');
});
