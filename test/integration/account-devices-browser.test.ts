/**
 * Signed-in browsers, connected apps and paired devices on /account in headless Chromium, against a
 * real gateway and echo upstream, with openid-client as the relying party: signed in at /account,
 * the relying party's authorization shows the consent page without a password field; the app, a
 * device paired with the device flow and a second Chromium's session are listed (this one marked
 * "this browser"); disconnecting the app makes its refresh token fail at the token endpoint,
 * unpairing the device makes its token 401, ending the second browser's session signs that
 * browser out, and ending this one's signs this one out. Screenshots at 375 and 1280 px are kept
 * in artifacts/screenshots (account-devices-375.png, account-devices-1280.png).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { formBrowser } from '../helpers/form-browser.js';
import { saveScreenshotsAtBothWidths } from '../helpers/screenshots.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** The relying party's callback: a loopback server that only has to answer (a redirect is not routed by Playwright). */
async function startCallback(t: Test): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('callback'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
}

async function signIn(gw: TestGateway, page: Page): Promise<void> {
  await page.goto(`${gw.url}/account`);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('alice-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
}

/** Pairs a device through the device flow (the person approves on the /device page over plain HTTP); resolves to its tokens. */
async function pairDevice(gw: TestGateway, clientId: string): Promise<{ access_token: string }> {
  const post = (path: string, body: Record<string, string>) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
  const device = (await (await post('/api/v1/oauth/device', { client_id: clientId, scope: 'photos' })).json()) as { user_code: string; device_code: string };
  const person = formBrowser();
  const form = await person.page(`${gw.url}/device`);
  await person.post(`${gw.url}/device`, { ...form.hidden, user_code: device.user_code, username: 'alice', password: 'alice-password', decision: 'allow' });
  const grant = 'urn:ietf:params:oauth:grant-type:device_code';
  return (await (await post('/api/v1/oauth/token', { client_id: clientId, grant_type: grant, device_code: device.device_code })).json()) as { access_token: string };
}

t.test('list and revoke signed-in browsers, connected apps and paired devices', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password');
  const REDIRECT = await startCallback(t);
  const app = await gw.addClient({ name: 'Photo Frame App', secretDigest: null, scope: 'openid photos', redirectUris: [REDIRECT] });
  const frame = await gw.addClient({ name: 'Living Room Frame', secretDigest: null, scope: 'photos' });
  const config = await oidc.discovery(new URL(gw.issuer), app.clientId, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });

  const context = await launchBrowser(t, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(gw, page);

  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT, scope: 'openid photos', state, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  await page.goto(url.href);
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  t.equal(await page.getByLabel('Password').count(), 0, 'signed in at /account: the consent page asks for no password');
  await Promise.all([page.waitForURL(`${REDIRECT}**`), page.getByRole('button', { name: 'Allow' }).click()]);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
  t.ok(tokens.refresh_token, 'the app holds a refresh token');

  const device = await pairDevice(gw, frame.clientId);
  const devicePhotos = () => fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${device.access_token}` } });
  t.equal((await devicePhotos()).status, 200, 'the paired device reads photos');

  const other = await launchBrowser(t);
  const otherPage = await other.newPage();
  await signIn(gw, otherPage);

  await page.goto(`${gw.url}/account`);
  const section = page.getByRole('region', { name: 'Signed-in browsers and connected apps' });
  await section.waitFor();
  const browsers = section.getByRole('list').first();
  t.equal(await browsers.getByRole('listitem').count(), 2, 'two signed-in browsers');
  t.match(await browsers.getByRole('listitem').first().textContent(), /Browser sign-in \(this browser\)/, 'this one marked in words');
  t.match(await section.textContent(), /Photo Frame App\s*Access: openid photos/, 'the app is listed');
  t.match(await section.textContent(), /Living Room Frame\s*Access: photos\s*Paired/, 'the device is listed');

  const sizes = await saveScreenshotsAtBothWidths(page, 'account-devices');
  t.ok(sizes.every((size) => size > 0), 'screenshots saved at 375 and 1280 px');
  await page.setViewportSize({ width: 375, height: 800 });
  t.ok(await page.evaluate('document.documentElement.scrollWidth <= 375'), 'no horizontal scrolling at 375 px');

  await page.getByRole('button', { name: 'Disconnect Photo Frame App' }).click();
  await page.getByText('No app is connected.').waitFor();
  const refused = await oidc.refreshTokenGrant(config, tokens.refresh_token as string).catch((error: unknown) => error);
  t.match(refused, { error: 'invalid_grant' }, "the app's refresh token fails at the token endpoint");

  await page.getByRole('button', { name: /^Unpair Living Room Frame/ }).click();
  await page.getByText('No device is paired.').waitFor();
  t.equal((await devicePhotos()).status, 401, "the device's token: 401 on the next request");

  const reloaded = page.waitForResponse((res) => res.url() === `${gw.url}/account` && res.request().method() === 'GET');
  await page.getByRole('button', { name: /^End session started/ }).click();
  await reloaded;
  await page.waitForLoadState();
  t.equal(await page.getByRole('button', { name: /^End session/ }).count(), 1, 'the other browser is no longer listed');
  await otherPage.reload();
  t.ok(await otherPage.getByRole('heading', { name: 'Sign in' }).isVisible(), 'and that browser is signed out');

  await page.getByRole('button', { name: /^End session of this browser/ }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  t.equal((await gw.store.listTokens()).filter((token) => token.kind === 'session').length, 0, 'ending this browser\'s session signs it out');
});
