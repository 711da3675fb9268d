/**
 * photogate as an OpenID Provider, driven by openid-client (a relying party library written by
 * others): ID token claims and nonce, profile and email claims, userinfo, refresh, key rotation
 * (a token of the old key still verifies, one of an unknown key does not), ES256 and EdDSA,
 * prompt=none/login, max_age, remembered consent, and RP-initiated logout. The person's part
 * (the sign-in page) is played over plain HTTP by test/helpers/oauth-forms.ts.
 */
import { createRemoteJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import t, { type Test } from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { type ManualClock, manualClock } from '../helpers/manual-clock.js';
import { totpCode } from '../../src/two-factor/totp.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { runCliJson } from '../helpers/run-cli.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

interface Setup {
  gw: TestGateway;
  clock: ManualClock;
  config: oidc.Configuration;
  clientId: string;
}

async function setUp(t: Test, options: { alg?: 'RS256' | 'ES256' | 'EdDSA'; scope?: string } = {}): Promise<Setup> {
  const upstream = await startEchoUpstream(t);
  // Near real time: openid-client checks iat and exp against its own clock.
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock, config: { oidc: { signingAlg: options.alg ?? 'RS256' } } });
  await gw.addUser('alice', 'alice-password', { role: 'user' });
  await gw.store.updateUser('alice', { name: 'Alice Example', email: 'alice@example.org' }, 1);
  const { clientId } = await gw.addClient({
    secretDigest: null, scope: options.scope ?? 'openid profile email photos', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT],
  });
  const config = await oidc.discovery(
    new URL(gw.issuer),
    clientId,
    { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', id_token_signed_response_alg: options.alg ?? 'RS256' },
    oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
  return { gw, clock, config, clientId };
}

interface Flow {
  /** Where photogate sent the browser back (code or error). */
  callback: URL;
  verifier: string;
  state: string;
  nonce: string;
  /** The browser's cookies after the flow (the session cookie once signed in). */
  cookie: string;
  /** The sign-in page was shown (false: answered at once, single sign-on). */
  pageShown: boolean;
}

const mergeCookies = (old: string, res: Response) => {
  const jar = new Map(old.split('; ').filter(Boolean).map((c) => [c.split('=')[0], c] as const));
  for (const c of res.headers.getSetCookie()) jar.set(c.split('=')[0], c.split(';')[0] as string);
  return [...jar.values()].filter((c) => !c.endsWith('=')).join('; ');
};

async function authorize(s: Setup, options: { cookie?: string; scope?: string; extra?: Record<string, string>; password?: string | false; code?: string } = {}): Promise<Flow> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(s.config, {
    redirect_uri: REDIRECT, scope: options.scope ?? 'openid profile email', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  for (const [key, value] of Object.entries(options.extra ?? {})) url.searchParams.set(key, value);
  const first = await fetch(url, { headers: options.cookie ? { cookie: options.cookie } : {}, redirect: 'manual' });
  let cookie = mergeCookies(options.cookie ?? '', first);
  if (first.status === 303) return { callback: new URL(first.headers.get('location') as string), verifier, state, nonce, cookie, pageShown: false };
  const page = await getFormPage(url.href, cookie);
  const fields: Record<string, string> = { decision: 'allow' };
  if (options.password !== false) Object.assign(fields, { username: 'alice', password: options.password ?? 'alice-password' });
  if (options.code !== undefined) fields.code = options.code;
  const res = await postForm(`${url.origin}${url.pathname}`, { ...page, cookie: mergeCookies(cookie, await fetch(url, { headers: { cookie }, redirect: 'manual' })) }, fields);
  cookie = mergeCookies(page.cookie, res);
  return { callback: new URL(res.headers.get('location') as string), verifier, state, nonce, cookie, pageShown: true };
}

function redeem(s: Setup, flow: Flow, checks: Partial<oidc.AuthorizationCodeGrantChecks> = {}) {
  return oidc.authorizationCodeGrant(s.config, flow.callback, {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true, ...checks,
  });
}

t.test('the ID token: claims, nonce, profile and email, and userinfo agrees', async (t) => {
  const s = await setUp(t);
  const flow = await authorize(s);
  const tokens = await redeem(s, flow);
  const claims = tokens.claims();
  const user = await s.gw.store.findUser('alice');
  if (claims === undefined || user === undefined) throw new Error('no ID token');
  t.equal(claims.iss, s.gw.issuer);
  t.equal(claims.sub, user.id, 'sub is the stable user id');
  t.not(claims.sub, 'alice', 'not the username');
  t.equal(claims.aud, s.clientId);
  t.equal(claims.nonce, flow.nonce, 'the nonce is echoed (openid-client checked it too)');
  t.same(claims.amr, ['pwd']);
  t.match(claims.sid, /^sess/);
  t.equal(claims.exp - claims.iat, 3600);
  t.equal(claims.auth_time, claims.iat, 'signed in just now');
  t.match(claims, { preferred_username: 'alice', name: 'Alice Example', email: 'alice@example.org', email_verified: false });
  t.equal(decodeProtectedHeader(tokens.id_token as string).alg, 'RS256', 'RS256 by default');
  const info = await oidc.fetchUserInfo(s.config, tokens.access_token, claims.sub);
  t.same(info, { sub: user.id, preferred_username: 'alice', name: 'Alice Example', email: 'alice@example.org', email_verified: false }, 'userinfo: the same claims (OIDC Core §5.3)');

  const other = await authorize(s, { scope: 'openid', cookie: flow.cookie });
  const bare = (await redeem(s, other)).claims();
  t.equal(bare?.sub, user.id, 'the same sub in every token');
  t.notOk('email' in (bare ?? {}) || 'name' in (bare ?? {}), 'openid alone: no profile or email claims');

  const wrongNonce = await authorize(s, { cookie: flow.cookie });
  await t.rejects(redeem(s, wrongNonce, { expectedNonce: 'another-nonce' }), 'a token for another nonce is refused by the client');

  const plain = await authorize(s, { scope: 'photos', cookie: flow.cookie });
  const noOpenid = await oidc.authorizationCodeGrant(s.config, plain.callback, { pkceCodeVerifier: plain.verifier, expectedState: plain.state });
  t.equal(noOpenid.id_token, undefined, 'no openid scope, no ID token');
});

t.test('refresh returns a fresh ID token about the same sign-in', async (t) => {
  const s = await setUp(t);
  const first = await redeem(s, await authorize(s));
  s.clock.advance(5_000);
  const refreshed = await oidc.refreshTokenGrant(s.config, first.refresh_token as string);
  const a = first.claims();
  const b = refreshed.claims();
  t.ok(refreshed.id_token, 'an ID token');
  t.not(refreshed.id_token, first.id_token);
  t.equal(b?.sub, a?.sub);
  t.equal(b?.auth_time, a?.auth_time, 'auth_time is the original sign-in (OIDC Core §12.2)');
  t.same(b?.amr, a?.amr);
  t.equal(b?.sid, a?.sid);
  t.equal(b?.iat, (a?.iat ?? 0) + 5, 'issued now');
  t.equal(b?.nonce, undefined, 'no nonce: none was sent with the refresh');
});

t.test('key rotation: old tokens still verify, an unknown key does not', async (t) => {
  const s = await setUp(t);
  const before = await redeem(s, await authorize(s));
  const oldKid = decodeProtectedHeader(before.id_token as string).kid;
  const rotated = await runCliJson<{ rotated: { kid: string } }>(['keys', 'rotate', '--store', s.gw.storePath]);
  t.equal(rotated.code, 0, 'photogate keys rotate', { stderr: rotated.stderr });
  await s.gw.store.refresh();
  const after = await redeem(s, await authorize(s));
  const newKid = decodeProtectedHeader(after.id_token as string).kid;
  t.equal(newKid, rotated.json?.rotated.kid, 'the new key signs at once (openid-client fetched the key set again)');
  t.not(newKid, oldKid);
  const jwks = createRemoteJWKSet(new URL(`${s.gw.issuer}/.well-known/jwks.json`));
  const published = (await (await fetch(`${s.gw.issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  t.same(published.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort(), 'both keys are published');
  const options = { issuer: s.gw.issuer, audience: s.clientId, currentDate: new Date(s.clock.nowMs()) };
  t.ok((await jwtVerify(before.id_token as string, jwks, options)).payload.sub, 'a token of the old key still verifies');
  t.ok((await jwtVerify(after.id_token as string, jwks, options)).payload.sub, 'a token of the new key verifies');
  const stranger = await generateKeyPair('RS256');
  const forged = await new SignJWT({ sub: 'someone' }).setProtectedHeader({ alg: 'RS256', kid: oldKid as string }).setIssuer(s.gw.issuer)
    .setAudience(s.clientId).setIssuedAt().setExpirationTime('5m').sign(stranger.privateKey);
  await t.rejects(jwtVerify(forged, jwks, options), 'a token of an unknown key does not verify, even under a known kid');
  const keys = await s.gw.store.listSigningKeys();
  t.ok(keys.every((k) => !k.privateJwe.includes('"d"') && !k.privateJwe.includes('"p"')), 'private keys are stored encrypted (compact JWE)');
  // `keys rotate` ran in its own process, on the real clock.
  const until = keys.find((k) => k.kid === oldKid)?.publishedUntil ?? 0;
  const expected = Math.floor(Date.now() / 1000) + 3600 + 60;
  t.ok(until > expected - 30 && until <= expected, 'the old key is published until its last token expires (plus a minute)', { until, expected });
});

for (const alg of ['ES256', 'EdDSA'] as const) {
  t.test(`${alg} is selectable`, async (t) => {
    const s = await setUp(t, { alg });
    const tokens = await redeem(s, await authorize(s));
    t.equal(decodeProtectedHeader(tokens.id_token as string).alg, alg);
    const doc = (await (await fetch(`${s.gw.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    t.same(doc.id_token_signing_alg_values_supported, [alg]);
  });
}

t.test('prompt, max_age and remembered consent', async (t) => {
  const s = await setUp(t);
  const none = await authorize(s, { extra: { prompt: 'none' } });
  t.equal(none.callback.searchParams.get('error'), 'login_required', 'prompt=none without a session: login_required');
  t.equal(none.callback.searchParams.get('state'), none.state);
  t.notOk(none.pageShown);

  const signedIn = await authorize(s);
  await redeem(s, signedIn);
  const sso = await authorize(s, { cookie: signedIn.cookie, extra: { prompt: 'none' } });
  t.notOk(sso.pageShown, 'prompt=none with a session and consent: answered without a page');
  const ssoClaims = (await redeem(s, sso)).claims();
  t.ok(ssoClaims?.sid, 'a code, whose ID token carries the session');

  const wider = await authorize(s, { cookie: signedIn.cookie, scope: 'openid photos', extra: { prompt: 'none' } });
  t.equal(wider.callback.searchParams.get('error'), 'consent_required', 'a scope never approved: consent_required');
  const consentPage = await authorize(s, { cookie: signedIn.cookie, scope: 'openid photos', password: false });
  t.ok(consentPage.pageShown, 'without prompt=none the consent page is shown, without a password field');
  t.ok((await redeem(s, consentPage)).id_token, 'and approving it needs no password');
  t.notOk((await authorize(s, { cookie: signedIn.cookie, scope: 'openid photos' })).pageShown, 'now remembered');

  const login = await authorize(s, { cookie: signedIn.cookie, extra: { prompt: 'login' } });
  t.ok(login.pageShown, 'prompt=login asks for the password again');
  const replaced = await authorize(s, { cookie: signedIn.cookie, extra: { prompt: 'none' } });
  t.equal(replaced.callback.searchParams.get('error'), 'login_required', 'the sign-in replaced the browser\'s session: the old cookie is over');
  s.clock.advance(20_000);
  const fresh = await authorize(s, { cookie: login.cookie, extra: { max_age: '3600' } });
  t.notOk(fresh.pageShown, 'a session younger than max_age is used');
  const old = await authorize(s, { cookie: login.cookie, extra: { max_age: '10' } });
  t.ok(old.pageShown, 'a session older than max_age is not');
  const reauth = (await redeem(s, old, { maxAge: 10 })).claims();
  t.equal(reauth?.auth_time, Math.floor(s.clock.nowMs() / 1000), 'auth_time is the new sign-in (openid-client checked max_age)');
  const bad = await authorize(s, { extra: { prompt: 'none login' } });
  t.equal(bad.callback.searchParams.get('error'), 'invalid_request', 'prompt=none with another value is refused');
  const request = await authorize(s, { extra: { request: 'eyJ' } });
  t.equal(request.callback.searchParams.get('error'), 'request_not_supported');
});

t.test('RP-initiated logout', async (t) => {
  const s = await setUp(t);
  const flow = await authorize(s);
  const tokens = await redeem(s, flow);
  const idToken = tokens.id_token as string;

  const foreign = oidc.buildEndSessionUrl(s.config, { id_token_hint: idToken, post_logout_redirect_uri: 'http://127.0.0.1:9/elsewhere' });
  const refused = await fetch(foreign, { headers: { cookie: flow.cookie }, redirect: 'manual' });
  t.equal(refused.status, 400, 'an unregistered post_logout_redirect_uri gets an error page, no redirect');
  t.equal(refused.headers.get('location'), null);

  const unconfirmed = await fetch(`${s.gw.issuer}/api/v1/oauth/logout`, { headers: { cookie: flow.cookie }, redirect: 'manual' });
  t.equal(unconfirmed.status, 200, 'without id_token_hint the person is asked first');
  t.match(await unconfirmed.text(), /Sign out\?/);
  t.notOk((await authorize(s, { cookie: flow.cookie, extra: { prompt: 'none' } })).callback.searchParams.get('error'), 'still signed in');
  const forged = await fetch(`${s.gw.issuer}/api/v1/oauth/logout`, {
    method: 'POST', headers: { cookie: flow.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=logout', redirect: 'manual',
  });
  t.equal(forged.status, 400, 'a confirmation without the CSRF token is refused');
  t.notOk((await authorize(s, { cookie: flow.cookie, extra: { prompt: 'none' } })).callback.searchParams.get('error'), 'and ends nothing');

  const url = oidc.buildEndSessionUrl(s.config, { id_token_hint: idToken, post_logout_redirect_uri: AFTER_LOGOUT, state: 'xyz', revoke_refresh_tokens: 'true' });
  const refreshTokens = async () => (await s.gw.store.listTokens()).filter((token) => token.kind === 'refresh_token').length;
  const before = await refreshTokens();
  const hintOnly = await fetch(url, { redirect: 'manual' });
  t.equal(hintOnly.status, 303, 'the hint alone (no browser session) still leads back');
  t.equal(await refreshTokens(), before, 'but revokes nothing: an ID token is no credential');
  const res = await fetch(url, { headers: { cookie: flow.cookie }, redirect: 'manual' });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), `${AFTER_LOGOUT}?state=xyz`, 'back to the registered URI, with state');
  t.match(res.headers.getSetCookie().join(), /photogate-account=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/, 'the session cookie is removed (the one browser session, shared with /account; the proxy never forwards it)');
  const after = await authorize(s, { cookie: flow.cookie, extra: { prompt: 'none' } });
  t.equal(after.callback.searchParams.get('error'), 'login_required', 'the browser session has ended');
  await t.rejects(oidc.refreshTokenGrant(s.config, tokens.refresh_token as string), 'the refresh tokens were revoked as asked');

  const again = await authorize(s);
  const confirm = await getFormPage(`${s.gw.issuer}/api/v1/oauth/logout`, again.cookie);
  t.match(confirm.html, /Sign out\?/, 'asked to confirm');
  const confirmed = await postForm(`${s.gw.issuer}/api/v1/oauth/logout`, confirm, { decision: 'logout' });
  t.equal(confirmed.status, 200, 'confirmed on the page: signed out');
  t.match(await confirmed.text(), /You are signed out/);
  const gone = await authorize(s, { cookie: again.cookie, extra: { prompt: 'none' } });
  t.equal(gone.callback.searchParams.get('error'), 'login_required');
});

/** Turns two-factor on for alice through the account API (issue 13); resolves to her TOTP secret. */
async function turnOnTwoFactor(s: Setup): Promise<string> {
  const post = async (path: string, body: object, headers: Record<string, string> = {}) =>
    (await fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
  const auth = { 'x-auth-token': String((await post('/api/v1/session', { username: 'alice', password: 'alice-password' })).access_token) };
  const secret = String((await post('/api/v1/users/alice/passcode', { type: 'totp', password: 'alice-password' }, auth)).Secret);
  await post('/api/v1/users/alice/passcode/confirm', { type: 'totp', code: totpCode(secret, s.clock.nowMs()) }, auth);
  await post('/api/v1/users/alice/passcode/activate', { type: 'totp' }, auth);
  return secret;
}

t.test('a second factor: the ID token says otp and mfa, and a session from before two-factor is not reused', async (t) => {
  const s = await setUp(t);
  const before = await authorize(s);
  t.same((await redeem(s, before)).claims()?.amr, ['pwd'], 'the password alone: pwd');
  const secret = await turnOnTwoFactor(s);

  const stale = await authorize(s, { cookie: before.cookie, extra: { prompt: 'none' } });
  t.equal(stale.callback.searchParams.get('error'), 'login_required', 'the browser session signed in with the password alone no longer signs in a two-factor user');

  // The confirm step's code is used: the next step's code (accepted one step ahead) signs in.
  const code = totpCode(secret, s.clock.nowMs() + 30_000);
  const flow = await authorize(s, { cookie: before.cookie, code });
  t.ok(flow.pageShown);
  const tokens = await redeem(s, flow);
  t.same(tokens.claims()?.amr, ['pwd', 'otp', 'mfa'], 'RFC 8176: password, one-time password, multiple factors');
  const refreshed = await oidc.refreshTokenGrant(s.config, tokens.refresh_token as string);
  t.same(refreshed.claims()?.amr, ['pwd', 'otp', 'mfa'], 'a refresh tells the same sign-in');

  const sso = await authorize(s, { cookie: flow.cookie, extra: { prompt: 'none' } });
  t.notOk(sso.pageShown, 'the session signed in with the code is used for single sign-on');
  t.same((await redeem(s, sso)).claims()?.amr, ['pwd', 'otp', 'mfa'], 'and its ID tokens say so too');
});
