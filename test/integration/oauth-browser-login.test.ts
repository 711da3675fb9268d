/**
 * A person in a real browser: headless Chromium opens the authorization URL, signs in on
 * photogate's page, allows, and lands on the client's redirect URI with a code that the client
 * then exchanges. Also: declining, and the CSP/anti-framing headers of the page.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import t, { type Test } from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startTestGateway } from '../helpers/test-gateway.js';

async function startCallbackServer(t: Test) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>client</title><p>back at the client</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
}


t.test('sign in and allow in Chromium, then redeem the code', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password');
  const redirectUri = await startCallbackServer(t);
  const { clientId } = await gw.addClient({ name: 'Photo Frame <b>"App"</b>', secretDigest: null, scope: 'photos albums', redirectUris: [redirectUri] });

  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(`${gw.url}/api/v1/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'photos', state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }).toString();

  const browser = await launchBrowser(t, { viewport: { width: 375, height: 740 } });
  const page = await browser.newPage();
  const response = await page.goto(url.href);
  t.equal(response?.status(), 200);
  const headers = response?.headers() ?? {};
  t.match(headers['content-security-policy'], /frame-ancestors 'none'/);
  t.equal(headers['cache-control'], 'no-store');
  t.ok(await page.getByText('Photo Frame <b>"App"</b>').isVisible(), 'the client name is shown, escaped');
  await page.screenshot({ path: join(gw.storePath, '..', 'authorize.png'), fullPage: true });

  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Allow' }).click();
  t.ok(await page.getByRole('alert').isVisible(), 'a failed sign-in shows an error on the page');
  t.equal(new URL(page.url()).pathname, '/api/v1/oauth/authorize', 'and stays on it');

  await page.getByLabel('Password').fill('alice-password');
  await Promise.all([page.waitForURL(`${redirectUri}**`), page.getByRole('button', { name: 'Allow' }).click()]);
  const callback = new URL(page.url());
  t.equal(callback.searchParams.get('state'), state);
  t.equal(callback.searchParams.get('iss'), gw.issuer);

  const insecure = { [oauth.allowInsecureRequests]: true };
  const issuer = new URL(gw.issuer);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  const client: oauth.Client = { client_id: clientId, token_endpoint_auth_method: 'none' };
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure));
  t.equal(tokens.scope, 'photos');
});

t.test('declining in Chromium sends access_denied back', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const redirectUri = await startCallbackServer(t);
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos', redirectUris: [redirectUri] });
  const url = `${gw.url}/api/v1/oauth/authorize?${new URLSearchParams({
    client_id: clientId, redirect_uri: redirectUri, response_type: 'code', state: 'xyz',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  })}`;
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  await page.goto(url);
  await Promise.all([page.waitForURL(`${redirectUri}**`), page.getByRole('button', { name: 'Deny' }).click()]);
  const callback = new URL(page.url());
  t.equal(callback.searchParams.get('error'), 'access_denied');
  t.equal(callback.searchParams.get('state'), 'xyz');
  t.notOk(callback.searchParams.get('code'));
});
