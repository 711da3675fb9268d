/**
 * Which Chromium the browser tests drive, so that `npm test` needs nothing but Node and npm:
 *   1. `PHOTOGATE_CHROMIUM`, when set: a path to a Chromium or Chrome binary (must exist), or
 *      `bundled` for the npm package's even where Debian's is installed;
 *   2. the Debian package's `/usr/bin/chromium`, where installed;
 *   3. otherwise the Chromium build that ships inside the npm package `@sparticuz/chromium` (a
 *      dev dependency; brotli-compressed in node_modules, no download at install or run time).
 * Why that package: it is the one Chromium on npm that is a real browser build shipped in the
 * package itself (playwright's and puppeteer's own browsers are downloaded from their CDNs, which
 * this project's machines cannot reach), it needs no system libraries beyond glibc's, and
 * playwright-core drives it like any Chromium.
 *
 * The package unpacks itself into `os.tmpdir()/chromium` on first use and trusts whatever file it
 * finds there afterwards. Test files run in parallel, so the unpacking runs under a cross-process
 * lock, and a marker written after it finished (naming the package version) tells a complete
 * unpack from a torn or foreign one, which is removed and unpacked again.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';

export const systemChromium = '/usr/bin/chromium';

export interface ChromiumExecutable {
  path: string;
  /** Where it came from, for the test log. */
  source: 'PHOTOGATE_CHROMIUM' | 'debian' | '@sparticuz/chromium';
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumExecutable> {
  const configured = env.PHOTOGATE_CHROMIUM;
  if (configured === 'bundled') return { path: await unpackBundledChromium(), source: '@sparticuz/chromium' };
  if (configured) {
    if (!existsSync(configured)) throw new Error(`PHOTOGATE_CHROMIUM=${configured}: no such file`);
    return { path: configured, source: 'PHOTOGATE_CHROMIUM' };
  }
  if (existsSync(systemChromium)) return { path: systemChromium, source: 'debian' };
  return { path: await unpackBundledChromium(), source: '@sparticuz/chromium' };
}

export async function unpackBundledChromium(): Promise<string> {
  // The package's `exports` hide its package.json; it sits at the root of the resolved entry's package.
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const root = entry.slice(0, entry.lastIndexOf('/build/'));
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const binary = join(tmpdir(), 'chromium');
  const marker = join(tmpdir(), 'chromium.photogate-unpacked');
  const release = await lock(join(tmpdir(), 'photogate-chromium'), {
    realpath: false,
    // Unpacking takes a few seconds; a lock left by a killed test goes stale after a minute.
    stale: 60_000,
    retries: { retries: 120, minTimeout: 250, maxTimeout: 1_000 },
  });
  try {
    const unpacked = await readFile(marker, 'utf8').catch(() => '');
    if (unpacked === version && existsSync(binary)) return binary;
    await rm(binary, { force: true });
    const { default: bundled } = await import('@sparticuz/chromium');
    const path = await bundled.executablePath();
    await writeFile(marker, version);
    return path;
  } finally {
    await release();
  }
}
