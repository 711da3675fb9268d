/**
 * An OAuth client library written by others (oauth4webapi) drives photogate: discovery,
 * client_credentials, authorization code + PKCE with refresh rotation, revocation,
 * introspection and the device flow. The person's part (the login and device pages) is played
 * over plain HTTP by test/helpers/oauth-forms.ts; the Chromium test plays it in a browser.
 */
import * as oauth from 'oauth4webapi';
import t, { type Test } from 'tap';
import type { Clock } from '../../src/clock.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const insecure = { [oauth.allowInsecureRequests]: true };
const REDIRECT = 'http://127.0.0.1:9/callback';

async function discover(gw: TestGateway): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(gw.issuer);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
}

async function setUp(t: Test, clock?: Clock) {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, ...(clock ? { clock } : {}) });
  await gw.addUser('alice', 'alice-password', { role: 'user' });
  const as = await discover(gw);
  return { upstream, gw, as };
}

/** Runs the authorization code flow up to the callback URL photogate redirects to. */
async function authorize(gw: TestGateway, as: oauth.AuthorizationServer, clientId: string, options: { deny?: boolean; password?: string; scope?: string } = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: options.scope ?? 'photos albums',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  const page = await getFormPage(url.href);
  const res = await postForm(url.origin + url.pathname, page, {
    username: 'alice',
    password: options.password ?? 'alice-password',
    decision: options.deny ? 'deny' : 'allow',
  });
  return { res, verifier, state, page };
}


/** The whole code flow for a public client: authorize, sign in, allow, redeem. */
async function codeFlowTokens(gw: TestGateway, as: oauth.AuthorizationServer, clientId: string, scope: string) {
  const client: oauth.Client = { client_id: clientId, token_endpoint_auth_method: 'none' };
  const { res, verifier, state } = await authorize(gw, as, clientId, { scope });
  const params = oauth.validateAuthResponse(as, client, new URL(res.headers.get('location')!), state);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure));
  return { client, tokens };
}

t.test('discovery is accepted by the library and matches what photogate does', async (t) => {
  const { as } = await setUp(t);
  t.same(as.grant_types_supported, ['authorization_code', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'refresh_token', 'password']);
  t.same(as.code_challenge_methods_supported, ['S256']);
  t.ok(as.device_authorization_endpoint && as.introspection_endpoint && as.revocation_endpoint);
});

t.test('client_credentials, introspection and revocation', async (t) => {
  const { gw, as } = await setUp(t);
  const { clientId, secret } = await gw.addClient({ scope: 'metrics' });
  const client: oauth.Client = { client_id: clientId };
  const auth = oauth.ClientSecretBasic(secret);
  const tokens = await oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, auth, {}, insecure));
  t.equal(tokens.token_type, 'bearer');
  t.equal(tokens.scope, 'metrics');
  const active = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure));
  t.equal(active.active, true);
  t.equal(active.client_id, clientId);
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.access_token, insecure));
  const gone = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure));
  t.equal(gone.active, false, 'revoked');
});

t.test('authorization code with PKCE, then refresh with rotation', async (t) => {
  const { gw, as, upstream } = await setUp(t);
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos albums', redirectUris: [REDIRECT] });
  const client: oauth.Client = { client_id: clientId, token_endpoint_auth_method: 'none' };
  const { res, verifier, state } = await authorize(gw, as, clientId);
  t.equal(res.status, 303);
  const callback = new URL(res.headers.get('location')!);
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const first = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure));
  t.ok(first.refresh_token, 'a refresh token is issued');
  t.equal(first.scope, 'albums photos');

  const photos = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${first.access_token}` } });
  t.equal(photos.status, 200, 'the access token works through the proxy');
  t.equal(upstream.last()?.headers['x-forwarded-user'], 'alice');

  const second = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token!, insecure));
  t.not(second.refresh_token, first.refresh_token, 'rotated');
  const third = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), second.refresh_token!, insecure));
  t.ok(third.access_token);

  // The code is single use: a replay fails and revokes what it issued.
  const replay = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure);
  t.equal(replay.status, 400);
  t.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
  const after = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${third.access_token}` } });
  t.equal(after.status, 401, 'tokens of a replayed code are revoked');
});

t.test('negative cases of the code flow', async (t) => {
  const { gw, as } = await setUp(t);
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos', redirectUris: [REDIRECT] });
  const client: oauth.Client = { client_id: clientId, token_endpoint_auth_method: 'none' };
  const tokenError = async (response: Response) => {
    t.equal(response.status, 400);
    return ((await response.json()) as { error: string }).error;
  };

  const wrong = await authorize(gw, as, clientId, { scope: 'photos' });
  const wrongParams = oauth.validateAuthResponse(as, client, new URL(wrong.res.headers.get('location')!), wrong.state);
  t.equal(await tokenError(await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), wrongParams, REDIRECT, oauth.generateRandomCodeVerifier(), insecure)), 'invalid_grant', 'wrong verifier');

  const denied = await authorize(gw, as, clientId, { deny: true, scope: 'photos' });
  t.equal(denied.res.status, 303);
  const deniedUrl = new URL(denied.res.headers.get('location')!);
  t.equal(deniedUrl.searchParams.get('error'), 'access_denied', 'declining redirects with access_denied');
  t.equal(deniedUrl.searchParams.get('state'), denied.state);

  const badPassword = await authorize(gw, as, clientId, { password: 'wrong-password', scope: 'photos' });
  t.equal(badPassword.res.status, 401, 'a wrong password shows the page again');
  t.notOk(badPassword.res.headers.get('location'), 'and does not redirect');

  const foreign = await getFormPage(`${as.authorization_endpoint}?client_id=${clientId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&response_type=code&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`);
  t.equal(foreign.status, 400, 'a foreign redirect_uri gets an error page');
  const unknown = await fetch(`${as.authorization_endpoint}?client_id=cnobody&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code`, { redirect: 'manual' });
  t.equal(unknown.status, 400, 'an unknown client gets an error page, never a redirect');
  t.notOk(unknown.headers.get('location'));
  const plain = await fetch(`${as.authorization_endpoint}?client_id=${clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&code_challenge=${'a'.repeat(43)}&code_challenge_method=plain`, { redirect: 'manual' });
  t.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request', 'PKCE plain is refused');
  const noPkce = await fetch(`${as.authorization_endpoint}?client_id=${clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code`, { redirect: 'manual' });
  t.equal(new URL(noPkce.headers.get('location')!).searchParams.get('error'), 'invalid_request', 'public clients must use PKCE');

  const noCsrf = await authorize(gw, as, clientId, { scope: 'photos' });
  t.equal(noCsrf.res.status, 303, 'sanity: with the CSRF token it works');
  const page = await getFormPage(`${as.authorization_endpoint}?client_id=${clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`);
  const missing = await postForm(as.authorization_endpoint!, { ...page, hidden: { ...page.hidden, csrf_token: '' } }, { username: 'alice', password: 'alice-password', decision: 'allow' });
  t.equal(missing.status, 400, 'a missing CSRF token is refused');
  t.notOk(missing.headers.get('location'));
});

t.test('a rotated refresh token still works within the grace window', async (t) => {
  const { gw, as } = await setUp(t);
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos', redirectUris: [REDIRECT] });
  const { client, tokens: first } = await codeFlowTokens(gw, as, clientId, 'photos');
  const second = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token!, insecure));
  // Within the grace window a parallel refresh with the old token still works.
  const parallel = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token!, insecure);
  t.equal(parallel.status, 200, 'grace window');
  await parallel.body?.cancel();
  const photos = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${second.access_token}` } });
  t.equal(photos.status, 200, 'the family is intact');
});

t.test('refresh reuse outside the grace window', async (t) => {
  const clock = manualClock(Date.now());
  const { gw, as } = await setUp(t, clock);
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos', redirectUris: [REDIRECT] });
  const { client, tokens: first } = await codeFlowTokens(gw, as, clientId, 'photos');
  const second = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token!, insecure));
  clock.advance(11_000);
  const reuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token!, insecure);
  t.equal(reuse.status, 400, 'an old refresh token is refused after the 10 s grace window');
  t.equal(((await reuse.json()) as { error: string }).error, 'invalid_grant');
  const newer = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), second.refresh_token!, insecure);
  t.equal(newer.status, 400, 'and its whole family is revoked, the newest refresh token included');
  await newer.body?.cancel();
  const access = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${second.access_token}` } });
  t.equal(access.status, 401, 'access tokens of the family too');
});

t.test('device authorization grant', async (t) => {
  const { gw, as } = await setUp(t);
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos' });
  const client: oauth.Client = { client_id: clientId, token_endpoint_auth_method: 'none' };
  const device = await oauth.processDeviceAuthorizationResponse(as, client, await oauth.deviceAuthorizationRequest(as, client, oauth.None(), { scope: 'photos' }, insecure));
  t.match(device.user_code, /^[B-Z]{4}-[B-Z]{4}$/);
  t.equal(device.verification_uri, `${gw.issuer}/device`);

  const pending = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), device.device_code, insecure);
  t.equal(((await pending.json()) as { error: string }).error, 'authorization_pending');

  const page = await getFormPage(device.verification_uri_complete!);
  t.equal(page.status, 200);
  const approve = await postForm(device.verification_uri, page, { user_code: device.user_code, username: 'alice', password: 'alice-password', decision: 'allow' });
  t.equal(approve.status, 200);
  t.match(await approve.text(), /return to your device/i);

  const tokens = await oauth.processDeviceCodeResponse(as, client, await oauth.deviceCodeGrantRequest(as, client, oauth.None(), device.device_code, insecure));
  t.equal(tokens.scope, 'photos');
  const photos = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  t.equal(photos.status, 200);
  const again = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), device.device_code, insecure);
  t.equal(again.status, 400, 'a device code is redeemed once');
  await again.body?.cancel();
});

t.test('an expired authorization code is refused', async (t) => {
  const clock = manualClock(Date.now());
  const { gw, as } = await setUp(t, clock);
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos', redirectUris: [REDIRECT] });
  const client: oauth.Client = { client_id: clientId, token_endpoint_auth_method: 'none' };
  const { res, verifier, state } = await authorize(gw, as, clientId, { scope: 'photos' });
  const params = oauth.validateAuthResponse(as, client, new URL(res.headers.get('location')!), state);
  clock.advance(61_000);
  const late = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure);
  t.equal(late.status, 400, 'codes live 60 seconds');
  t.equal(((await late.json()) as { error: string }).error, 'invalid_grant');
});
