/**
 * The one browser session the account page shares with the OIDC sign-in page, over plain HTTP
 * (browsers without JavaScript, test/helpers/form-browser.ts) with openid-client as the relying
 * party: signed in at /account, a relying party's authorization needs no password (and the
 * reverse); the ID token's sid is that session, its amr and auth_time the /account sign-in;
 * signing out at /account ends the session the OIDC side sees, and RP-initiated logout ends the
 * /account one.
 */
import * as oidc from 'openid-client';
import t, { type Test } from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { type FormBrowser, formBrowser, hiddenFields } from '../helpers/form-browser.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

interface Setup {
  gw: TestGateway;
  config: oidc.Configuration;
  clientId: string;
}

async function setUp(t: Test): Promise<Setup> {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
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
