/**
 * The Chromium that ships in the npm package @sparticuz/chromium is what `npm test` drives on a
 * machine without Debian's: this proves it unpacks (also when several test processes ask at
 * once) and renders a page, on every run, even where a system Chromium is also installed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import t from 'tap';
import { unpackBundledChromium } from '../helpers/chromium-executable.js';

t.test('unpacks once for concurrent callers and renders a page', async (t) => {
  const paths = await Promise.all([unpackBundledChromium(), unpackBundledChromium(), unpackBundledChromium()]);
  t.equal(new Set(paths).size, 1, 'every caller gets the same binary');
  const userDataDir = await mkdtemp(join(tmpdir(), 'photogate-chromium-'));
  t.teardown(() => rm(userDataDir, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: paths[0],
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    timeout: 30_000,
  });
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.setContent('<form><label for="n">Name</label><input id="n"><button>Send</button></form>');
  await page.getByLabel('Name').fill('alice');
  t.equal(await page.getByLabel('Name').inputValue(), 'alice');
  t.match(await context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)), /\d+\./);
});
