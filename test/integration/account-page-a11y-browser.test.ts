/**
 * The /account pages with a keyboard and for a screen reader (issue 14 point 1), in Chromium:
 * the sign-in form is reached and sent with the keyboard alone, in the order it reads, each
 * focused control showing a focus ring; a wrong password is announced (role="alert", text, not
 * colour); the signed-in page, with everything an administrator sees, passes the checks of
 * test/helpers/accessibility.ts at 375 and 1280 px.
 */
import t from 'tap';
import { accessibilityProblems, focused } from '../helpers/accessibility.js';
import { launchBrowser } from '../helpers/browser.js';
import { saveScreenshot } from '../helpers/screenshots.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startTestGateway } from '../helpers/test-gateway.js';

t.test('keyboard only: sign in, in reading order, with a visible focus; the page passes the checks', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse', { role: 'admin' });
  await gw.addUser('bob', 'battery staple');
  await gw.addAppPassword('alice', 'photos albums', { name: 'Phone (photo backup)' });
  await gw.addAppPassword('alice', 'webdav', { name: 'Laptop (rclone sync)', ttlSeconds: 365 * 86_400 });
  const context = await launchBrowser(t, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${gw.url}/account`);
  t.same(await accessibilityProblems(page), [], 'the sign-in form passes');

  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    t.ok(now.ring, `${now.element} shows a focus ring`);
    order.push(now.element);
  }
  t.same(order, ['input#username', 'input#password', 'input#code', 'button "Sign in"'], 'focus follows the form');

  await page.focus('#username');
  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  await page.keyboard.type('wrong password');
  await page.keyboard.press('Enter');
  await page.getByRole('alert').waitFor();
  t.match(await page.getByRole('alert').textContent(), /not right/, 'a failure is announced in words');

  await page.getByLabel('Password', { exact: true }).fill('correct horse');
  await page.keyboard.press('Enter');
  await page.getByText('Signed in as').waitFor();
  // The README's picture of the page (docs/images/account-page.png is a copy of this artefact).
  await page.setViewportSize({ width: 900, height: 1000 });
  t.ok((await saveScreenshot(page, 'account-readme-900', { fullPage: false })) > 0, 'the README picture is kept');
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    t.same(await accessibilityProblems(page), [], `the signed-in page passes at ${width} px`);
  }
});
