/**
 * Headless Chromium for tests, driven by playwright-core (which downloads no browser): the
 * Chromium chromium-executable.ts finds (PHOTOGATE_CHROMIUM, Debian's, or the one shipped in an
 * npm package), a fresh profile in the test's directory, and no background traffic (updates,
 * sync, QUIC), so a test sees only the requests it causes. The browser tests never skip.
 * Closed in teardown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { Test } from 'tap';
import { findChromium } from './chromium-executable.js';

const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A browser context with its own profile. Playwright refuses `--user-data-dir` in `args`, so the
 * fresh profile directory is passed as launchPersistentContext's userDataDir, which Chromium
 * receives as that flag.
 */
export async function launchBrowser(t: Test, options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  const chromiumExecutable = await findChromium();
  t.comment(`chromium: ${chromiumExecutable.source} (${chromiumExecutable.path})`);
  // Not t.testdir(): a second call there wipes the directory, which may hold a test's store.
  const userDataDir = await mkdtemp(join(tmpdir(), 'photogate-chromium-'));
  t.teardown(() => rm(userDataDir, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumExecutable.path,
    headless: true,
    args: flags,
    viewport: options.viewport ?? { width: 1024, height: 768 },
    timeout: 30_000,
  });
  t.teardown(() => context.close());
  return context;
}
