/**
 * Signed-in browsers, connected apps and paired devices on /account, and the one browser session
 * the account page shares with the OIDC sign-in page, over plain HTTP (browsers without
 * JavaScript, test/helpers/form-browser.ts) with openid-client as the relying party:
 *
 * - signed in at /account, a relying party's authorization needs no password (and the reverse);
 *   the ID token's sid is that session, its amr and auth_time the /account sign-in; signing out at
 *   /account ends the session the OIDC side sees, and RP-initiated logout ends the /account one;
 * - the app is listed once and disconnecting it makes its refresh token fail at the token
 *   endpoint and its access token 401, and forgets the consent;
 * - a device paired with the device flow is listed and unpairing it makes its token 401;
 * - a second browser and a PhotoPrism web-UI session are listed and ending them signs them out;
 *   ending this browser's own session signs it out;
 * - someone else's ids are 404 like unknown ones, and a form without its CSRF token is 400.
 */
import * as oidc from 'openid-client';
import t, { type Test } from 'tap';
import type { Audit, AuditEvent } from '../../src/audit/audit.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { type FormBrowser, formBrowser, hiddenFields } from '../helpers/form-browser.js';
import { startSession, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

interface Setup {
  gw: TestGateway;
  config: oidc.Configuration;
  clientId: string;
}

async function setUp(t: Test, audit?: Audit): Promise<Setup> {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, ...(audit && { audit }) });
  await gw.addUser('alice', 'alice-password');
  await gw.addUser('bob', 'bob-password');
  const { clientId } = await gw.addClient({
    name: 'Photo Frame App', secretDigest: null, scope: 'openid profile photos', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT],
  });
  const config = await oidc.discovery(new URL(gw.issuer), clientId, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  return { gw, config, clientId };
}

async function signInAtAccount(gw: TestGateway, browser: FormBrowser, username = 'alice', password = `${username}-password`): Promise<void> {
  const form = await browser.page(`${gw.url}/account`);
  const res = await browser.post(`${gw.url}/account/sign-in`, { ...form.hidden, username, password });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
}

interface Authorization {
  /** The sign-in or consent page, when one was shown. */
  page?: string;
  callback: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** The relying party sends the browser to photogate; the person allows (with a password only when asked and given). */
async function authorize(s: Setup, browser: FormBrowser, options: { prompt?: string; password?: string } = {}): Promise<Authorization> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(s.config, {
    redirect_uri: REDIRECT, scope: 'openid photos', state, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
  });
  const first = await browser.get(url);
  if (first.status === 303) return { callback: new URL(first.headers.get('location') as string), verifier, state, nonce };
  const page = await first.text();
  const fields = { ...hiddenFields(page), decision: 'allow', ...(options.password === undefined ? {} : { username: 'alice', password: options.password }) };
  const res = await browser.post(`${url.origin}${url.pathname}`, fields);
  return { page, callback: new URL(res.headers.get('location') as string), verifier, state, nonce };
}

function redeem(s: Setup, flow: Authorization) {
  return oidc.authorizationCodeGrant(s.config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
}

const browserSessions = async (gw: TestGateway) => (await gw.store.listTokens()).filter((token) => token.kind === 'session' && token.grantType === 'browser');
const signedIn = (html: string) => /Signed in as <strong>/.test(html);

t.test('one browser session: /account sign-in is the OIDC sign-in, and each sign-out ends both', async (t) => {
  const s = await setUp(t);
  const browser = formBrowser();
  await signInAtAccount(s.gw, browser);
  const [session] = await browserSessions(s.gw);
  t.ok(session, 'the /account sign-in made one browser session');
  t.same([...browser.cookies.keys()].sort(), ['photogate-account', 'photogate-csrf'], 'one session cookie for both pages');

  const none = await authorize(s, browser, { prompt: 'none' });
  t.equal(none.callback.searchParams.get('error'), 'consent_required', 'prompt=none knows the person (consent_required, not login_required)');
  const flow = await authorize(s, browser);
  t.ok(flow.page, 'the app was never approved: the consent page');
  t.notMatch(flow.page ?? '', /name="password"/, 'without a password field: no second password prompt');
  t.match(flow.page ?? '', /alice/, 'it names the signed-in person');
  const tokens = await redeem(s, flow);
  const claims = tokens.claims();
  t.equal(claims?.sid, session?.id, "the ID token's sid is the /account session");
  t.same(claims?.amr, ['pwd'], 'amr: the /account password sign-in');
  t.equal(claims?.auth_time, session?.authTime, 'auth_time: the /account sign-in');
  t.notOk((await authorize(s, browser, { prompt: 'none' })).callback.searchParams.get('error'), 'approved once: prompt=none answers with a code');

  const logout = oidc.buildEndSessionUrl(s.config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: AFTER_LOGOUT });
  t.equal((await browser.get(logout)).status, 303, 'RP-initiated logout');
  t.notOk(browser.cookies.has('photogate-account'), 'removes the cookie');
  t.notOk(signedIn((await browser.page(`${s.gw.url}/account`)).html), 'and /account is signed out too');
  t.same(await browserSessions(s.gw), [], 'the session is gone from the store');

  // The reverse: the OIDC sign-in page signs the browser in at /account; /account signs it out there.
  const other = formBrowser();
  const viaPage = await authorize(s, other, { password: 'alice-password' });
  t.match(viaPage.page ?? '', /name="password"/, 'not signed in: the sign-in page asks for the password');
  t.ok(viaPage.callback.searchParams.get('code'), 'and answers with a code');
  const account = await other.page(`${s.gw.url}/account`);
  t.ok(signedIn(account.html), 'the sign-in page signed the browser in at /account: no second password prompt');
  t.equal((await other.post(`${s.gw.url}/account/sign-out`, account.hidden)).status, 303, 'sign out at /account');
  const after = await authorize(s, other, { prompt: 'none' });
  t.equal(after.callback.searchParams.get('error'), 'login_required', 'the OIDC side sees no session any more');
});

t.test('a connected app is listed once and disconnecting it revokes its tokens and consent', async (t) => {
  const s = await setUp(t);
  const browser = formBrowser();
  await signInAtAccount(s.gw, browser);
  const first = await redeem(s, await authorize(s, browser));
  const second = await redeem(s, await authorize(s, browser));
  const refreshed = await oidc.refreshTokenGrant(s.config, second.refresh_token as string);
  const photos = (token: string) => fetch(`${s.gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${token}` } });
  t.equal((await photos(refreshed.access_token)).status, 200, "the app's access token opens the photos API");

  const page = await browser.page(`${s.gw.url}/account`);
  const apps = page.html.match(/aria-label="Disconnect Photo Frame App"/g) ?? [];
  t.equal(apps.length, 1, 'two authorizations (one refreshed): one connected app');
  t.match(page.html, /<strong>Photo Frame App<\/strong>\s*<br>Access: openid photos/, 'named, with its scope');

  const bobs = formBrowser();
  await signInAtAccount(s.gw, bobs, 'bob');
  const bobPage = await bobs.page(`${s.gw.url}/account`);
  t.match(bobPage.html, /No app is connected\./, "bob's page does not list alice's app");
  const foreign = await bobs.post(`${s.gw.url}/account/apps/revoke`, { ...bobPage.hidden, client_id: s.clientId });
  t.equal(foreign.status, 404, "bob cannot disconnect alice's app: 404 like an unknown one");
  t.equal((await bobs.post(`${s.gw.url}/account/apps/revoke`, { ...bobPage.hidden, client_id: 'no-such-client' })).status, 404, 'unknown: 404');
  const noCsrf = await browser.post(`${s.gw.url}/account/apps/revoke`, { client_id: s.clientId });
  t.equal(noCsrf.status, 400, 'without the CSRF token: 400');
  t.equal((await photos(refreshed.access_token)).status, 200, 'none of these changed anything');

  const res = await browser.post(`${s.gw.url}/account/apps/revoke`, { ...page.hidden, client_id: s.clientId });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/account');
  t.match((await browser.page(`${s.gw.url}/account`)).html, /No app is connected\./, 'no longer listed');
  t.equal((await photos(refreshed.access_token)).status, 401, 'its access token: 401 on the next request');
  for (const [name, token] of [['first', first.refresh_token], ['rotated', refreshed.refresh_token]] as const) {
    const answer = await fetch(`${s.gw.url}/api/v1/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token as string, client_id: s.clientId }).toString(),
    });
    t.equal(answer.status, 400, `the ${name} refresh token fails at the token endpoint`);
    t.match(await answer.json(), { error: 'invalid_grant' });
  }
  const again = await authorize(s, browser, { prompt: 'none' });
  t.equal(again.callback.searchParams.get('error'), 'consent_required', 'the consent is forgotten: the app must ask again');
});

t.test('a device paired with the device flow is listed and unpairing it makes its token 401', async (t) => {
  const events: AuditEvent[] = [];
  const s = await setUp(t, { record: (event) => events.push(event) });
  const { clientId } = await s.gw.addClient({ name: 'Living Room Frame', secretDigest: null, scope: 'photos' });
  const token = (params: Record<string, string>) =>
    fetch(`${s.gw.url}/api/v1/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: clientId, ...params }).toString() });
  const started = await fetch(`${s.gw.url}/api/v1/oauth/device`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=${clientId}&scope=photos` });
  const device = (await started.json()) as { user_code: string; device_code: string };
  const person = formBrowser();
  const verify = await person.page(`${s.gw.url}/device`);
  const approved = await person.post(`${s.gw.url}/device`, { ...verify.hidden, user_code: device.user_code, username: 'alice', password: 'alice-password', decision: 'allow' });
  t.equal(approved.status, 200, 'the person approved the device');
  const issued = (await (await token({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code })).json()) as { access_token: string; refresh_token: string };
  const photos = () => fetch(`${s.gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${issued.access_token}` } });
  t.equal((await photos()).status, 200, 'the device reads photos');

  const browser = formBrowser();
  await signInAtAccount(s.gw, browser);
  const page = await browser.page(`${s.gw.url}/account`);
  const id = /form="revoke-device" name="id" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  t.match(id, /^devc/, 'listed under paired devices, by its authorization');
  t.match(page.html, /<strong>Living Room Frame<\/strong>\s*<br>Access: photos<br>Paired /);
  t.match(page.html, /No app is connected\./, 'a device is not a connected app');

  const bobs = formBrowser();
  await signInAtAccount(s.gw, bobs, 'bob');
  const bobPage = await bobs.page(`${s.gw.url}/account`);
  t.match(bobPage.html, /No device is paired\./);
  t.equal((await bobs.post(`${s.gw.url}/account/devices/revoke`, { ...bobPage.hidden, id })).status, 404, "bob cannot unpair alice's device");
  t.equal((await photos()).status, 200);

  t.equal((await browser.post(`${s.gw.url}/account/devices/revoke`, { ...page.hidden, id })).status, 303, 'unpaired');
  t.equal((await photos()).status, 401, 'its access token: 401 on the next request');
  t.equal((await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token })).status, 400, 'its refresh token fails');
  t.match((await browser.page(`${s.gw.url}/account`)).html, /No device is paired\./);
  t.equal((await browser.post(`${s.gw.url}/account/devices/revoke`, { ...page.hidden, id })).status, 404, 'gone: 404');
  t.match(events.filter((e) => e.event === 'token_revoked'), [{ outcome: 'success', username: 'alice', credential: id, client_id: clientId, action: 'device unpaired', via: 'account page' }], 'in the audit trail, once');
});

t.test('browser and web-UI sessions are listed, and ending one signs that browser out', async (t) => {
  const s = await setUp(t);
  const laptop = formBrowser();
  const phone = formBrowser();
  await signInAtAccount(s.gw, laptop);
  await signInAtAccount(s.gw, phone);
  const webUi = await startSession(s.gw, 'alice', 'alice-password');
  const webUiRequest = () => fetch(`${s.gw.url}/api/v1/photos`, { headers: { 'x-auth-token': webUi } });
  t.equal((await webUiRequest()).status, 200, 'the web UI session works');
  const bobs = formBrowser();
  await signInAtAccount(s.gw, bobs, 'bob');
  const bobSession = (await browserSessions(s.gw)).find((token) => token.username === 'bob');

  const page = await laptop.page(`${s.gw.url}/account`);
  const ids = [...page.html.matchAll(/form="revoke-browser" name="id" value="([^"]+)"/g)].map((m) => m[1]);
  t.equal(ids.length, 3, 'two browser sign-ins and one web UI session; not bob\'s');
  t.equal((page.html.match(/\(this browser\)/g) ?? []).length, 1, 'one marked "this browser", in words');
  t.match(page.html, /<strong>Browser sign-in<\/strong> <em>\(this browser\)<\/em>/, 'this browser first');
  t.match(page.html, /<strong>Photos web app<\/strong>/, 'the web UI session is listed');
  const sessions = await s.gw.store.listTokens();
  const phoneId = sessions.find((token) => token.grantType === 'browser' && token.username === 'alice' && token.id !== ids[0])?.id ?? '';
  const webUiId = sessions.find((token) => token.kind === 'session' && token.grantType === 'password')?.id ?? '';
  t.ok(ids.includes(phoneId) && ids.includes(webUiId), 'the other browser and the web UI session can be ended');

  t.equal((await laptop.post(`${s.gw.url}/account/browsers/revoke`, { ...page.hidden, id: bobSession?.id ?? '' })).status, 404, "bob's session: 404");
  t.ok(signedIn((await bobs.page(`${s.gw.url}/account`)).html), 'and bob stays signed in');

  t.equal((await laptop.post(`${s.gw.url}/account/browsers/revoke`, { ...page.hidden, id: phoneId })).status, 303, 'end the phone session');
  t.notOk(signedIn((await phone.page(`${s.gw.url}/account`)).html), 'the phone is signed out');
  t.equal((await authorize(s, phone, { prompt: 'none' })).callback.searchParams.get('error'), 'login_required', 'on the OIDC side too');

  t.equal((await laptop.post(`${s.gw.url}/account/browsers/revoke`, { ...page.hidden, id: webUiId })).status, 303, 'end the web UI session');
  t.equal((await webUiRequest()).status, 401, 'its token: 401 on the next request');

  const own = ids[0] ?? '';
  const res = await laptop.post(`${s.gw.url}/account/browsers/revoke`, { ...page.hidden, id: own });
  t.equal(res.status, 303, 'end this browser\'s own session');
  t.match(res.headers.getSetCookie().join('\n'), /photogate-account=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/, 'its cookie is removed');
  t.notOk(signedIn((await laptop.page(`${s.gw.url}/account`)).html), 'this browser is signed out');
  t.same((await browserSessions(s.gw)).map((token) => token.username), ['bob'], "only bob's session is left");
});
