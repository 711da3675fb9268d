/**
 * "Last used" on /account in headless Chromium (issue 14): a new app password says "never"; once
 * a sync client (fetch, behind a trusted proxy's X-Forwarded-For) has used it, the
 * reloaded page shows the time (a machine-readable `<time>`) and the client's address in its row,
 * and this browser's own session its last use in the browsers list; the table fits 375 px.
 * Screenshots at 375 and 1280 px are kept (test/helpers/screenshots.ts).
 */
import t from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { saveScreenshotsAtBothWidths } from '../helpers/screenshots.js';
import { startTestGateway } from '../helpers/test-gateway.js';

t.test('an app password shows "never", then its last use with the client address', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { trustedProxies: ['127.0.0.1'] } });
  await gw.addUser('alice', 'correct horse');
  const context = await launchBrowser(t, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  await page.goto(`${gw.url}/account`);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('correct horse');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
  await page.getByLabel('Name').fill('phone');
  await page.getByRole('checkbox', { name: 'photos', exact: true }).check();
  await page.getByRole('button', { name: 'Create' }).click();
  const secret = (await page.locator('#new-password').textContent()) ?? '';
  const lastUsedCell = page.locator('td[data-label="Last used"]');
  t.equal((await lastUsedCell.textContent())?.trim(), 'never', 'a new app password: never used');

  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${gw.url}/api/v1/photos?count=1`, { headers: { authorization: `Bearer ${secret}`, 'x-forwarded-for': '203.0.113.9' } });
    t.equal(res.status, 200);
  }
  await page.goto(`${gw.url}/account`);
  t.match(await lastUsedCell.textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d UTC from 203\.0\.113\.9$/, 'time and the client\'s address');
  const datetime = (await lastUsedCell.locator('time').getAttribute('datetime')) ?? '';
  t.ok(Math.abs(Date.parse(datetime) - Date.now()) < 120_000, 'the <time> element carries the instant');
  t.match(await page.getByRole('listitem').filter({ hasText: 'this browser' }).textContent(), /Last used \d{4}-\d\d-\d\d \d\d:\d\d UTC from 127\.0\.0\.1/, 'this browser\'s session: its last use');

  t.ok((await saveScreenshotsAtBothWidths(page, 'account-last-used')).every((size) => size > 0), 'screenshots at 375 and 1280 px kept');
  await page.setViewportSize({ width: 375, height: 800 });
  t.ok(await page.evaluate('document.documentElement.scrollWidth <= 375'), 'no horizontal scrolling at 375 px');
});
