/**
 * Screenshots the browser tests keep as artefacts (issue 14: every page at 375 and 1280 px):
 * written to `artifacts/screenshots/` at the repository root (git-ignored; `.ci/run` lists them),
 * or to PHOTOGATE_SCREENSHOTS. Not tap's test directories, which tap removes when a test passes.
 * Names are the caller's, so a re-run replaces the same files.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const screenshotDir = process.env.PHOTOGATE_SCREENSHOTS ?? join(repositoryRoot, 'artifacts', 'screenshots');

/** Saves a PNG of the whole page (or only the viewport) as `<name>.png` and answers its size in bytes (0 would mean nothing was drawn). */
export async function saveScreenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<number> {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? true });
  return (await stat(path)).size;
}

/** The page at 375 px (a phone) and 1280 px (a laptop), as `<name>-375.png` and `<name>-1280.png`; restores the viewport. */
export async function saveScreenshotsAtBothWidths(page: Page, name: string): Promise<number[]> {
  const before = page.viewportSize() ?? { width: 1280, height: 900 };
  const sizes: number[] = [];
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    sizes.push(await saveScreenshot(page, `${name}-${width}`));
  }
  await page.setViewportSize(before);
  return sizes;
}
