/**
 * The Users section of /account in headless Chromium against a real gateway and echo upstream
 * (issue 14 point 3): an admin signs in, adds a user (the password shown once signs that user in),
 * resets their password, turns WebDAV off, disables them (their app password is then refused
 * through the gateway) and enables them again, turns their two-factor off, revokes one of their app
 * passwords and removes them after ticking the confirmation; a non-admin sees no Users section.
 * Every state shown passes the accessibility checks of test/helpers/accessibility.ts; screenshots
 * at 375 and 1280 px go to artifacts/screenshots (account-admin-*).
 */
import t from 'tap';
import { accessibilityProblems } from '../helpers/accessibility.js';
import { launchBrowser } from '../helpers/browser.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { saveScreenshotsAtBothWidths } from '../helpers/screenshots.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

const twoFactorOn = { sealedSecret: 'v1.a.b.c', sealedRecoveryCodes: null, recoveryCodeDigests: ['a'.repeat(64)], verifiedAt: 1, activatedAt: 1, lastStep: 0 };

t.test('an admin manages users on /account; a non-admin sees no Users section', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('root', 'root-password', { role: 'admin' });
  await gw.addUser('alice', 'alice-password');
  const context = await launchBrowser(t, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const photos = (authorization: string) => fetch(`${gw.url}/api/v1/photos`, { headers: { authorization } }).then((res) => res.status);
  const rowOf = (username: string) => page.locator(`#user-${username}`);

  await page.goto(`${gw.url}/account`);
  await page.getByLabel('Username').fill('root');
  await page.getByLabel('Password').fill('root-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();

  // Add: the generated password is shown once and signs bob in.
  await page.getByLabel('Username').fill('bob');
  await page.getByLabel('Role').selectOption('user');
  await page.getByRole('checkbox', { name: 'May use WebDAV' }).check();
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByRole('heading', { name: 'User bob added' }).waitFor();
  t.match(page.url(), /\/account\/users\/add#users-title$/, 'the answer opens at the Users section, where the new password is');
  t.ok(await page.evaluate('window.scrollY > 0'), 'scrolled there');
  const password = (await page.locator('#user-password').textContent()) ?? '';
  t.match(password, /^[a-zA-Z2-9]{20}$/, 'the generated password is shown');
  t.equal(await photos(basic('bob', password)), 200, 'it signs bob in');
  t.match(await rowOf('bob').textContent(), /Roleuser\s*WebDAVon\s*Two-factoroff\s*Statusactive/);
  t.same(await accessibilityProblems(page), [], 'accessible: the list and the shown password');
  await page.setViewportSize({ width: 375, height: 800 });
  t.ok(await page.evaluate('document.documentElement.scrollWidth <= 375'), 'no horizontal scrolling of the page at 375 px');
  await page.setViewportSize({ width: 1280, height: 900 });
  t.ok((await saveScreenshotsAtBothWidths(page, 'account-admin-users')).every((size) => size > 0), 'screenshots saved');

  // Reset: a new password, the old one refused.
  await page.getByRole('button', { name: 'Reset password for bob' }).click();
  await page.getByRole('heading', { name: 'New password for bob' }).waitFor();
  const newPassword = (await page.locator('#user-password').textContent()) ?? '';
  t.not(newPassword, password);
  t.equal(await photos(basic('bob', password)), 401, 'the old password is refused');
  t.equal(await photos(basic('bob', newPassword)), 200, 'the new one works');

  // WebDAV off.
  const app = await gw.addAppPassword('bob', '*');
  const propfind = () => fetch(`${gw.url}/originals/`, { method: 'PROPFIND', headers: { authorization: basic('bob', app.secret), depth: '1' } }).then((res) => res.status);
  t.equal(await propfind(), 200);
  await page.getByRole('button', { name: 'Turn WebDAV off for bob' }).click();
  await page.getByText('WebDAV is off for bob.').waitFor();
  t.equal(await propfind(), 403, 'WebDAV refused from the next request');

  // Disable: the app password is refused through the gateway; enable brings it back.
  t.equal(await photos(basic('bob', app.secret)), 200);
  await page.getByRole('button', { name: 'Disable for bob' }).click();
  await page.getByText(/bob is disabled/).waitFor();
  t.match(await rowOf('bob').textContent(), /Statusdisabled/);
  t.equal(await photos(basic('bob', app.secret)), 401, 'disabled: his app password gets 401');
  await page.getByRole('button', { name: 'Enable for bob' }).click();
  await page.getByText('bob is enabled again.').waitFor();
  t.equal(await photos(basic('bob', app.secret)), 200, 'enabled: it works again');

  // Two-factor off (the lost phone).
  await gw.store.updateUser('bob', { twoFactor: twoFactorOn }, 1);
  await page.goto(`${gw.url}/account`);
  await page.getByRole('button', { name: 'Turn two-factor off for bob' }).click();
  await page.getByText(/Two-factor sign-in is off for bob/).waitFor();
  t.notOk((await gw.store.findUser('bob'))?.twoFactor, 'two-factor is off');
  t.equal(await page.getByRole('button', { name: 'Turn two-factor off for bob' }).count(), 0, 'and the button is gone');

  // See and revoke his app passwords.
  await page.getByRole('button', { name: 'App passwords (1) for bob' }).click();
  await page.getByRole('heading', { name: 'App passwords of bob' }).waitFor();
  t.same(await accessibilityProblems(page), [], "accessible: a user's app passwords");
  await saveScreenshotsAtBothWidths(page, 'account-admin-app-passwords');
  await page.getByRole('button', { name: 'Revoke test of bob' }).click();
  await page.getByText('bob has no app passwords.').waitFor();
  t.equal(await photos(basic('bob', app.secret)), 401, 'revoked: 401');

  // Remove, after the confirmation.
  await page.getByRole('button', { name: 'Remove for bob' }).click();
  await page.getByRole('heading', { name: 'Remove bob?' }).waitFor();
  t.same(await accessibilityProblems(page), [], 'accessible: the confirmation');
  await saveScreenshotsAtBothWidths(page, 'account-admin-remove');
  await page.getByRole('checkbox', { name: 'Yes, remove bob' }).check();
  await page.getByRole('button', { name: 'Remove bob', exact: true }).click();
  await page.getByText('bob was removed.').waitFor();
  t.equal(await rowOf('bob').count(), 0, 'no longer listed');
  t.equal(await gw.store.findUser('bob'), undefined);
  t.equal(await page.getByRole('button', { name: 'Remove for root' }).count(), 0, 'no Remove button for oneself');

  // A non-admin sees no Users section.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('alice-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
  t.equal(await page.getByRole('heading', { name: 'Users' }).count(), 0, 'alice sees no Users section');
  await saveScreenshotsAtBothWidths(page, 'account-admin-non-admin');
});
