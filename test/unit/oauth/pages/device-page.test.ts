import t from 'tap';
import { renderDevicePage, type DevicePageOptions } from '../../../../src/oauth/pages/device-page.js';
import { checkEscaped, checkLabels, checkShell, hostile } from './page-checks.js';

const base: DevicePageOptions = { action: '/api/v1/oauth/device/verify', csrfToken: 'tok' };

t.test('the form', async (t) => {
  const page = renderDevicePage({ ...base, userCode: 'WDJB-MJHT' });
  checkShell(t, page);
  checkLabels(t, page);
  t.match(page, '<h1>Connect a device</h1>');
  t.match(page, '<form method="post" action="/api/v1/oauth/device/verify">');
  t.match(page, '<input type="hidden" name="csrf_token" value="tok">');
  t.match(page, '<label for="user_code">Code from your device</label>');
  t.match(page, 'name="user_code" type="text" value="WDJB-MJHT"', 'prefilled from ?user_code=');
  t.match(page, 'autocomplete="username"');
  t.match(page, 'autocomplete="current-password"');
  t.match(page, '<button type="submit" name="decision" value="allow">Allow</button>\n<button type="submit" name="decision" value="deny">Deny</button>');
  t.notMatch(page, 'asks for access', 'no client before the code is known');
  t.notMatch(page, '<p role="alert">');
});

t.test('the form names the client once known, and shows an error', async (t) => {
  const page = renderDevicePage({ ...base, clientName: 'TV Frame', scopes: ['*'], error: 'That code is not valid.' });
  t.match(page, '<p><strong>TV Frame</strong> asks for access to your account:</p>');
  t.match(page, '<li>Everything your account may do <span class="scope-id">(*)</span></li>');
  t.match(page, '<p role="alert">That code is not valid.</p>');
  t.match(page, 'name="user_code" type="text" value=""', 'an empty code field without a code');
});

const doneCases = [
  { done: 'approved', heading: 'Device connected', text: 'Access was allowed. You can return to your device.' },
  { done: 'denied', heading: 'Device not connected', text: 'Access was denied. You can return to your device.' },
] as const;

for (const { done, heading, text } of doneCases) {
  const page = renderDevicePage({ ...base, done });
  checkShell(t, page);
  t.match(page, `<h1>${heading}</h1>`, done);
  t.match(page, `<p>${text}</p>`, done);
  t.notMatch(page, '<form', `${done}: no form`);
}

const hostileCases: { name: string; options: DevicePageOptions }[] = [
  { name: 'action', options: { ...base, action: hostile } },
  { name: 'csrf token', options: { ...base, csrfToken: hostile } },
  { name: 'user code', options: { ...base, userCode: hostile } },
  { name: 'client name', options: { ...base, clientName: hostile } },
  { name: 'scope', options: { ...base, clientName: 'x', scopes: [hostile] } },
  { name: 'error', options: { ...base, error: hostile } },
];

for (const { name, options } of hostileCases) checkEscaped(t, renderDevicePage(options), name);
