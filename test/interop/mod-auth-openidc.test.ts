/**
 * A relying party nobody here wrote: Apache mod_auth_openidc protects /protected/ and signs the
 * person in through photogate (a real `photogate start` process) in Chromium, on photogate's own
 * page; then RP-initiated logout through mod_auth_openidc ends the session at photogate too, so
 * the next visit asks for the password again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import { findFreePort } from '../helpers/daemon.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { modAuthOpenidc, startOpenidcApache } from './helpers/apache-openidc.js';
import { startInteropGateway } from './helpers/interop-gateway.js';
import { requireTool, tools } from './helpers/require-tool.js';

t.setTimeout(180_000);

t.test('mod_auth_openidc signs in through photogate in Chromium, then logs out', async (t) => {
  t.comment(await requireTool(tools.apache2));
  t.comment(await requireTool(tools.modAuthOpenidc));
  await readFile(modAuthOpenidc).catch(() => {
    throw new Error(`${modAuthOpenidc} is missing: install the Debian package libapache2-mod-auth-openidc`);
  });
  const dir = t.testdir({ gateway: {}, apache: {} });
  const upstream = await startEchoUpstream(t);
  const gw = await startInteropGateway(t, { upstream: upstream.url, dir: join(dir, 'gateway'), routes: 'builtin' });
  await gw.cli(['users', 'add', 'alice', '--password', 'alice-password', '--name', 'Alice Example', '--email', 'alice@example.org']);
  const port = await findFreePort();
  const rp = `http://127.0.0.1:${port}`;
  const client = await gw.cli<{ client_id: string; client_secret: string }>([
    'clients', 'add', '-n', 'Apache', '-s', 'openid profile email',
    '--redirect-uri', `${rp}/protected/redirect_uri`, '--post-logout-redirect-uri', `${rp}/loggedout.html`,
  ]);
  const apache = await startOpenidcApache(t, join(dir, 'apache'), { port, issuer: gw.url, clientId: client.client_id, clientSecret: client.client_secret });

  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  await page.goto(`${rp}/protected/`);
  t.equal(new URL(page.url()).origin, gw.url, "the relying party sent the browser to photogate's page");
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('alice-password');
  await Promise.all([page.waitForURL(`${rp}/protected/**`), page.getByRole('button', { name: 'Allow' }).click()]);
  t.ok(await page.getByText('protected content').isVisible(), 'signed in: Apache serves the protected page', { apache: apache.output() });
  const log = await apache.accessLog();
  const served = log.filter((line) => line.startsWith('GET /protected/index.html') || line.startsWith('GET /protected/ '));
  t.ok(served.some((line) => / name=alice$/.test(line) && !/ user=- /.test(line)), 'as alice, by the claims of the ID token', { log });
  t.ok(served.some((line) => / user=u[0-9a-f]{24}@/.test(line)), "REMOTE_USER (sub@issuer) is the ID token's sub: the stable user id, not the username", { log });

  await page.goto(`${rp}/protected/`);
  t.ok(await page.getByText('protected content').isVisible(), 'the next visit needs no sign-in');

  await page.goto(`${rp}/protected/redirect_uri?logout=${encodeURIComponent(`${rp}/loggedout.html`)}`);
  await page.waitForURL(`${rp}/loggedout.html**`);
  t.ok(await page.getByText('you are logged out').isVisible(), "logged out, back on the relying party's page");

  await page.goto(`${rp}/protected/`);
  t.equal(new URL(page.url()).origin, gw.url, 'the next visit goes to photogate again');
  t.ok(await page.getByLabel('Password').isVisible(), "and photogate's session ended too: it asks for the password");
});
