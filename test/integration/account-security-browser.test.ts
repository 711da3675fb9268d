/**
 * The /account Password and Two-factor sections in headless Chromium against a real gateway and
 * echo upstream:
 *
 * - a wrong current password shows the alert (400) and keeps the person signed in; the right one
 *   with "sign out everywhere" changes it: the old password is refused, the new one works, the
 *   other session and the refresh token are gone, the app password still works;
 * - two-factor: the QR code on the page is decoded (jsqr) and its `otpauth://` URI compared with
 *   the key in text; a code computed from it (otpauth) turns two-factor on; the recovery codes
 *   are shown once; after signing out, sign-in needs a code; a recovery code signs in once and is
 *   refused the second time; password + code turn it off.
 * Screenshots at 375 and 1280 px are kept in artifacts/screenshots (test/helpers/screenshots.ts).
 */
import { URI } from 'otpauth';
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { issueCredential } from '../../src/credentials/issue-credential.js';
import { accessibilityProblems } from '../helpers/accessibility.js';
import { launchBrowser } from '../helpers/browser.js';
import { readQrCode } from '../helpers/read-qr-code.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { saveScreenshotsAtBothWidths } from '../helpers/screenshots.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

const password = 'correct horse';

/** The accessibility checks (test/helpers/accessibility.ts) at both widths, then the screenshots. */
async function screenshots(t: Test, page: Page, name: string) {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    t.same(await accessibilityProblems(page), [], `${name}: the page passes the accessibility checks at ${width} px`);
  }
  await page.setViewportSize({ width: 375, height: 800 });
  t.ok(await page.evaluate('document.documentElement.scrollWidth <= 375'), `${name}: no horizontal scrolling at 375 px`);
  const sizes = await saveScreenshotsAtBothWidths(page, name);
  t.ok(sizes.every((size) => size > 0), `${name}: screenshots saved at 375 and 1280 px`);
}

async function signIn(page: Page, url: string, secret: string, code?: string) {
  await page.goto(`${url}/account`);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill(secret);
  if (code !== undefined) await page.getByLabel('Code from your authenticator app').fill(code);
  const [res] = await Promise.all([page.waitForResponse(`${url}/account/sign-in`), page.getByRole('button', { name: 'Sign in' }).click()]);
  return res.status();
}

const form = (page: Page, action: string) => page.locator(`form[action^="${action}#"]`);

t.test('change the password in Chromium: a wrong one is refused, the right one signs out everywhere else', async (t) => {
  const clock = manualClock();
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, clock });
  await gw.addUser('alice', password);
  const { secret: app } = await gw.addAppPassword('alice', 'photos');
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'photos' });
  const refresh = await issueCredential(gw.store, clock, {
    kind: 'refresh_token', name: 'app', username: 'alice', clientId, scope: 'photos', grantType: 'authorization_code', ttlSeconds: 3600, familyId: 'f1',
  });
  const other = await fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password }) });
  const otherToken = String(((await other.json()) as { access_token: string }).access_token);

  const context = await launchBrowser(t, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  t.equal(await signIn(page, gw.url, password), 303);
  const change = form(page, '/account/password');
  await change.getByLabel('Current password').fill('wrong horse');
  await change.locator('#password-new').fill('battery staple');
  await change.getByLabel('New password again').fill('battery staple');
  const [refused] = await Promise.all([page.waitForResponse(`${gw.url}/account/password`), change.getByRole('button', { name: 'Change password' }).click()]);
  t.equal(refused.status(), 400, 'a wrong current password: 400, not 401');
  t.match(await page.getByRole('alert').textContent(), /not right/, 'the alert says so');
  t.ok(await page.getByText('Signed in as').isVisible(), 'still signed in');
  await screenshots(t, page, 'account-password-refused');

  await change.getByLabel('Current password').fill(password);
  await change.locator('#password-new').fill('battery staple');
  await change.getByLabel('New password again').fill('battery staple');
  await change.getByLabel('Also sign out every other session').check();
  const [changed] = await Promise.all([page.waitForResponse(`${gw.url}/account/password`), change.getByRole('button', { name: 'Change password' }).click()]);
  t.equal(changed.status(), 200);
  t.match(await page.locator('#password-changed').textContent(), /1 other session ended, 1 connected app was signed out/);
  await screenshots(t, page, 'account-password-changed');

  const session = (secret: string) =>
    fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: secret }) }).then((r) => r.status);
  t.equal(await session(password), 401, 'the old password is refused');
  t.equal(await session('battery staple'), 200, 'the new one works');
  t.equal((await fetch(`${gw.url}/api/v1/session`, { headers: { 'x-auth-token': otherToken } })).status, 401, 'the other session ended');
  t.notOk(await gw.store.findToken(refresh.record.id), 'the refresh token is revoked');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', app) } })).status, 200, 'the app password still works');
  await page.goto(`${gw.url}/account`);
  t.ok(await page.getByText('Signed in as').isVisible(), 'this browser stays signed in');
});

t.test('two-factor in Chromium: scan the QR code, turn it on, sign in with a code and a recovery code, turn it off', async (t) => {
  const clock = manualClock();
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, clock });
  await gw.addUser('alice', password);
  const context = await launchBrowser(t, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  t.equal(await signIn(page, gw.url, password), 303);

  await screenshots(t, page, 'account-two-factor-off');
  const setUp = form(page, '/account/two-factor/set-up');
  await setUp.getByLabel('Password').fill(password);
  await setUp.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const key = (await page.locator('#two-factor-key').textContent()) ?? '';
  const uri = (await readQrCode(page, 'two-factor-qr')) ?? '';
  t.match(uri, /^otpauth:\/\/totp\//, 'the QR code holds an otpauth URI');
  const totp = URI.parse(uri);
  t.equal(totp.secret.base32, key, 'its key is the key shown in text');
  t.equal(totp.label, 'alice');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
  await page.getByRole('button', { name: 'Copy key' }).click();
  await page.locator('#two-factor-set-up .copy-status', { hasText: 'Copied.' }).waitFor();
  t.equal(await page.evaluate('navigator.clipboard.readText()'), key, 'the copy button copies the key');
  await screenshots(t, page, 'account-two-factor-set-up');

  await page.getByLabel('Code from your authenticator app').fill('000000');
  const [wrong] = await Promise.all([page.waitForResponse(`${gw.url}/account/two-factor/enable`), page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()]);
  t.equal(wrong.status(), 400, 'a wrong code: 400');
  t.ok(await page.getByRole('alert').isVisible());
  await screenshots(t, page, 'account-two-factor-wrong-code');
  await page.getByLabel('Code from your authenticator app').fill(totp.generate({ timestamp: clock.nowMs() }));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await page.locator('#recovery-codes-notice').waitFor();
  const codes = await page.locator('#recovery-codes li').allTextContents();
  t.equal(new Set(codes).size, 10, 'ten recovery codes shown');
  t.ok(await page.locator('#recovery-codes-left').isVisible(), 'and how many are left');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
  await page.getByRole('button', { name: 'Copy recovery codes' }).click();
  await page.locator('#recovery-codes-notice .copy-status', { hasText: 'Copied.' }).waitFor();
  t.same((await page.evaluate('navigator.clipboard.readText()') as string).split('\n'), codes, 'the copy button copies the codes, one a line');
  await screenshots(t, page, 'account-two-factor-on');
  await page.goto(`${gw.url}/account`);
  t.equal(await page.locator('#recovery-codes li').count(), 0, 'shown once');

  await page.getByRole('button', { name: 'Sign out' }).click();
  clock.advance(30_000);
  t.equal(await signIn(page, gw.url, password), 401, 'without a code: refused');
  t.equal(await signIn(page, gw.url, password, totp.generate({ timestamp: clock.nowMs() })), 303, 'with a code: signed in');
  await page.getByRole('button', { name: 'Sign out' }).click();
  t.equal(await signIn(page, gw.url, password, codes[0]), 303, 'with a recovery code: signed in');
  t.match(await page.locator('#recovery-codes-left').textContent(), /9 recovery codes left/, 'two-factor stays on, one code fewer');
  await page.getByRole('button', { name: 'Sign out' }).click();
  t.equal(await signIn(page, gw.url, password, codes[0]), 401, 'the same recovery code again: refused');
  t.ok(await page.getByRole('alert').isVisible());
  clock.advance(30_000);
  t.equal(await signIn(page, gw.url, password, totp.generate({ timestamp: clock.nowMs() })), 303);

  clock.advance(30_000);
  const off = form(page, '/account/two-factor/disable');
  await off.getByLabel('Password').fill(password);
  await off.getByLabel('Code from your authenticator app').fill(totp.generate({ timestamp: clock.nowMs() }));
  await off.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
  await page.getByText('Two-factor sign-in is off').waitFor();
  t.pass('turned off with the password and a code');
  await page.getByRole('button', { name: 'Sign out' }).click();
  t.equal(await signIn(page, gw.url, password), 303, 'sign-in needs no code again');
});
