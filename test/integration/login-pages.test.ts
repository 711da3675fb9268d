/**
 * The login, consent and device pages in a real browser (headless Chromium): served with
 * sendHtml from a small server on port 0, the authorize page must show a hostile client name as
 * text, style itself under its CSP, block injected script, have fields found by their labels,
 * post the hidden authorization request with the CSRF token, follow the 303 to the client only
 * when form-action allows its origin, and fit a 375 px wide phone screen.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { readFormBody } from '../../src/http/read-form-body.js';
import { sendHtml } from '../../src/http/send-html.js';
import { issueCsrfToken, verifyCsrfToken } from '../../src/oauth/csrf.js';
import { renderAuthorizePage } from '../../src/oauth/pages/authorize-page.js';
import { renderDevicePage } from '../../src/oauth/pages/device-page.js';
import { launchBrowser } from '../helpers/browser.js';

// The browser globals the page functions below use (the tsconfig has no DOM lib).
declare const window: { pwned?: number };
declare const document: { title: string; documentElement: { scrollWidth: number } };
declare function getComputedStyle(element: unknown): { backgroundColor: string; fontSize: string };

const hostileName = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">"Tom's" & <b>Co</b>`;
const hostileState = `"><script>window.pwned=3</script>`;

async function listen(t: Test, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<string> {
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Site {
  url: string;
  clientUrl: string;
  posts: Record<string, string>[];
  callbacks: string[];
}

/** A stand-in for the authorize endpoint and, on another port (another origin), the client. */
async function startSite(t: Test): Promise<Site> {
  const callbacks: string[] = [];
  const posts: Record<string, string>[] = [];
  const clientUrl = await listen(t, async (req, res) => {
    // Chromium asks a page's origin for /favicon.ico on its own; only real navigations count.
    if (req.url !== '/favicon.ico') callbacks.push(req.url ?? '');
    sendHtml(res, 200, '<!doctype html><title>client</title><p>back at the client</p>');
  });
  const hidden = {
    response_type: 'code',
    client_id: 'c123',
    redirect_uri: `${clientUrl}/cb`,
    state: hostileState,
    scope: 'photos albums read',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  };
  const url = await listen(t, async (req, res) => {
    const target = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && target.pathname === '/authorize') {
      const csrfToken = issueCsrfToken(req, res, false);
      const html = renderAuthorizePage({ clientName: hostileName, scopes: ['photos', 'albums', 'read'], action: '/authorize', hidden, csrfToken });
      const formActionOrigins = target.searchParams.has('no-client-origin') ? [] : [clientUrl];
      sendHtml(res, 200, html, { formActionOrigins });
    } else if (req.method === 'POST' && target.pathname === '/authorize') {
      const form = await readFormBody(req, 65_536);
      posts.push(Object.fromEntries(form));
      try {
        verifyCsrfToken(req, form.get('csrf_token'), false);
      } catch {
        sendHtml(res, 400, '<!doctype html><title>expired</title><p>The form has expired.</p>');
        return;
      }
      res.writeHead(303, { location: `${form.get('redirect_uri')}?code=abc&state=${encodeURIComponent(form.get('state') ?? '')}` }).end();
    } else if (target.pathname === '/device') {
      const html = renderDevicePage({ action: '/device', csrfToken: issueCsrfToken(req, res, false), userCode: target.searchParams.get('user_code') ?? undefined });
      sendHtml(res, 200, html);
    } else if (target.pathname === '/csp-probe') {
      // Markup an HTML injection could have produced; the control variant is served without CSP.
      const html = '<!doctype html><title>probe</title><script>document.title="script ran"</script><img src="x:" onerror="document.title=\'handler ran\'">';
      if (target.searchParams.has('control')) res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      else sendHtml(res, 200, html);
    } else {
      res.writeHead(404).end();
    }
  });
  return { url, clientUrl, posts, callbacks };
}

function collectConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on('console', (message) => messages.push(message.text()));
  return messages;
}

t.test('authorize page in Chromium', async (t) => {
  const site = await startSite(t);
  const context = await launchBrowser(t);
  const page = await context.newPage();
  const consoleMessages = collectConsole(page);

  const response = await page.goto(`${site.url}/authorize`);
  t.equal(response?.status(), 200);
  t.match(response?.headers()['content-security-policy'], `form-action 'self' ${site.clientUrl};`);
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sign in to allow access');
  t.equal(await page.locator('p strong').textContent(), hostileName, 'the hostile client name shows as text');
  t.equal(await page.locator('script').count(), 0, 'no script element was injected');
  t.equal(await page.evaluate(() => window.pwned), undefined, 'no injected code ran');
  t.same(await page.locator('ul.scopes li').allTextContents(), ['Your photos and videos (photos)', 'Your albums (albums)', 'Read only (read)']);

  const allow = page.getByRole('button', { name: 'Allow' });
  t.equal(await allow.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(31, 95, 191)', 'the hashed stylesheet applies');
  t.notOk(consoleMessages.some((m) => /Content Security Policy/i.test(m)), 'no CSP violation on the page itself');
  await page.screenshot({ path: join(t.testdir(), 'authorize-1024.png'), fullPage: true });

  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('correct horse');
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'photogate-csrf');
  t.ok(cookie?.httpOnly, 'the CSRF cookie is HttpOnly');
  t.equal(cookie?.sameSite, 'Strict');

  await Promise.all([page.waitForURL(`${site.clientUrl}/cb?**`), allow.click()]);
  t.same(site.posts, [{
    response_type: 'code',
    client_id: 'c123',
    redirect_uri: `${site.clientUrl}/cb`,
    state: hostileState,
    scope: 'photos albums read',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    csrf_token: cookie?.value,
    username: 'alice',
    password: 'correct horse',
    code: '',
    decision: 'allow',
  }], 'the form posts the hidden fields, the CSRF token and the decision');
  t.same(site.callbacks, [`/cb?code=abc&state=${encodeURIComponent(hostileState)}`], 'the 303 reached the client');
});

t.test('Deny posts without a password; form-action blocks a redirect to an origin it does not list', async (t) => {
  const site = await startSite(t);
  const context = await launchBrowser(t);
  const page = await context.newPage();
  const consoleMessages = collectConsole(page);
  await page.goto(`${site.url}/authorize?no-client-origin`);
  const violation = page.waitForEvent('console', (m) => /form-action/.test(m.text()));
  await page.getByRole('button', { name: 'Deny' }).click();
  await violation;
  t.equal(site.posts.length, 1, 'the POST itself reached us');
  t.equal(site.posts[0]?.decision, 'deny');
  t.equal(site.posts[0]?.password, '', 'Deny needs no password');
  t.same(site.callbacks, [], 'Chromium did not follow the 303 to the unlisted origin');
  // Chromium names the form's action in the message, though what it blocked is the redirect.
  t.ok(consoleMessages.some((m) => /form-action 'self'"?\. The request has been blocked/.test(m)), 'Chromium reports the form-action violation');
});

t.test('a POST without the CSRF cookie is refused', async (t) => {
  const site = await startSite(t);
  const context = await launchBrowser(t);
  const page = await context.newPage();
  await page.goto(`${site.url}/authorize`);
  await context.clearCookies();
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('x');
  const [response] = await Promise.all([page.waitForResponse(`${site.url}/authorize`), page.getByRole('button', { name: 'Allow' }).click()]);
  t.equal(response.status(), 400);
  t.same(site.callbacks, []);
});

t.test('the CSP header blocks injected inline script and event handlers', async (t) => {
  const site = await startSite(t);
  const context = await launchBrowser(t);
  const page = await context.newPage();
  await page.goto(`${site.url}/csp-probe?control`);
  await page.waitForFunction(() => document.title === 'handler ran');
  t.pass('without the CSP the probe runs (control)');

  const consoleMessages = collectConsole(page);
  await page.goto(`${site.url}/csp-probe`);
  await page.waitForLoadState('load');
  t.equal(await page.locator('script').count(), 1, 'the script element is there');
  t.equal(await page.title(), 'probe', 'but neither the script nor the handler ran');
  t.ok(consoleMessages.some((m) => /inline script/i.test(m) && /default-src 'none'/.test(m)), 'Chromium reports the blocked script');
  t.ok(consoleMessages.some((m) => /inline event handler/i.test(m)), 'and the blocked event handler');
});

t.test('usable on a 375 px wide phone', async (t) => {
  const site = await startSite(t);
  const context = await launchBrowser(t, { viewport: { width: 375, height: 667 } });
  const page = await context.newPage();
  const screenshots = t.testdir();
  for (const path of ['/authorize', '/device?user_code=WDJB-MJHT']) {
    await page.goto(`${site.url}${path}`);
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), `${path}: no horizontal scrolling`);
    for (const control of await page.locator('input:not([type=hidden]), button').all()) {
      const box = await control.boundingBox();
      t.ok(box && box.x >= 0 && box.x + box.width <= 375, `${path}: a control lies within the screen`);
      t.ok(box && box.height >= 40, `${path}: controls are large enough to tap`);
      t.ok(await control.evaluate((e) => parseFloat(getComputedStyle(e).fontSize) >= 16), `${path}: 16 px text, so phones do not zoom`);
    }
    await page.screenshot({ path: join(screenshots, `${path.slice(1, 7)}-375.png`), fullPage: true });
  }
  t.equal(await page.getByLabel('Code from your device').inputValue(), 'WDJB-MJHT', 'the user code is prefilled');
  t.equal(await page.getByLabel('Username').getAttribute('autocomplete'), 'username');
  t.equal(await page.getByLabel('Password').getAttribute('autocomplete'), 'current-password');
});
