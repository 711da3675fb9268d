/**
 * The /account page in headless Chromium against a real gateway and echo upstream: a wrong
 * password shows the error (401), sign-in sets the session cookie with the contract's
 * attributes, a new app password is shown once with a QR code that decodes (jsqr) to the same
 * password, the password opens the photos API through the gateway, revoking it makes the next
 * request 401, and signing out asks for sign-in again. The copy button copies the password (the
 * page's one script, allowed by nonce). Screenshots at 375 and 1280 px are kept in artifacts/.
 */
import t from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import { readQrCode } from '../helpers/read-qr-code.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { saveScreenshotsAtBothWidths } from '../helpers/screenshots.js';
import { startTestGateway } from '../helpers/test-gateway.js';

t.test('sign in, create an app password with its QR code, use and revoke it, sign out', async (t) => {
  const dir = t.testdir();
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, dir });
  await gw.addUser('alice', 'correct horse');
  const context = await launchBrowser(t, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

  await page.goto(`${gw.url}/account`);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('wrong');
  const [refused] = await Promise.all([page.waitForResponse(`${gw.url}/account/sign-in`), page.getByRole('button', { name: 'Sign in' }).click()]);
  t.equal(refused.status(), 401, 'a wrong password: 401');
  t.match(await page.getByRole('alert').textContent(), /not right/, 'and the error is shown');

  await page.getByLabel('Password').fill('correct horse');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
  const cookie = (await context.cookies()).find((c) => c.name === 'photogate-account');
  t.match(cookie, { httpOnly: true, sameSite: 'Lax', path: '/', secure: false }, 'HttpOnly, SameSite=Lax, Path=/ (no Secure over http)');

  await page.getByLabel('Name').fill('phone');
  await page.getByRole('checkbox', { name: 'photos', exact: true }).check();
  await page.getByLabel('Expires').selectOption('30d');
  await page.getByRole('button', { name: 'Create' }).click();
  const secret = (await page.locator('#new-password').textContent()) ?? '';
  t.ok(secret.length > 20, 'the new password is shown');
  t.equal(await readQrCode(page, 'new-password-qr'), secret, 'the QR code decodes to the shown password');
  t.match(await page.locator('tbody').textContent(), /phone\s*photos/, 'listed with its scope');
  // The copy button: hidden without JavaScript, shown by the page's one script, which the CSP allows by nonce.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
  await page.getByRole('button', { name: 'Copy password' }).click();
  await page.getByText('Copied.').waitFor();
  t.equal(await page.evaluate('navigator.clipboard.readText()'), secret, 'the copy button puts the password on the clipboard');
  t.same(cspViolations, [], 'no CSP violation on the page');
  t.ok((await saveScreenshotsAtBothWidths(page, 'account-app-password-created')).every((size) => size > 0), 'screenshots at 375 and 1280 px kept');
  await page.setViewportSize({ width: 375, height: 800 });
  t.ok(await page.evaluate('document.documentElement.scrollWidth <= 375'), 'no horizontal scrolling at 375 px');

  const photos = () => fetch(`${gw.url}/api/v1/photos?count=1`, { headers: { authorization: `Bearer ${secret}` } });
  t.equal((await photos()).status, 200, 'the app password opens the photos API through the gateway');
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByText('No app passwords yet.').waitFor();
  t.equal((await photos()).status, 401, 'revoked: the next request is refused');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  t.equal((await gw.store.listTokens()).filter((token) => token.kind === 'session').length, 0, 'the session ended on the server');
});
