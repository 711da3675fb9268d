/**
 * Signed-in browsers, connected apps and paired devices on /account: three lists (not tables: a
 * row each would not fit 375 px), each entry with its facts and a button that revokes it. The
 * browser asking is marked "this browser" in words; last use is shown where the store records it.
 * Buttons name what they revoke (aria-label), since a page has many of them.
 */
import { html, type SafeHtml } from '../../oauth/pages/html.js';
import type { AccessList, AppEntry, BrowserEntry, DeviceEntry, LastUse } from '../device-actions.js';
import { devicePaths } from '../device-endpoints.js';
import { formatDate } from './format.js';

/** Date and minute, UTC: sessions of one day differ in their time. */
function formatTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function lastUse(entry: LastUse) {
  if (typeof entry.lastUsedAt !== 'number') return html``;
  const from = entry.lastUsedFrom ? html` from ${entry.lastUsedFrom}` : html``;
  return html`<br>Last used ${formatTime(entry.lastUsedAt)}${from}`;
}

function browserItem(entry: BrowserEntry) {
  const what = entry.kind === 'browser' ? 'Browser sign-in' : `Photos web app${entry.viaAppPassword ? ' (with an app password)' : ''}`;
  const started = formatTime(entry.createdAt);
  const label = entry.current ? `End session of this browser, started ${started}` : `End session started ${started}`;
  return html`<li><strong>${what}</strong>${entry.current && html` <em>(this browser)</em>`}
<br>Started ${started}, ends ${formatDate(entry.expiresAt)}${lastUse(entry)}
<br><button type="submit" form="revoke-browser" name="id" value="${entry.id}" aria-label="${label}">End session</button></li>`;
}

function appItem(entry: AppEntry) {
  return html`<li><strong>${entry.name}</strong>
<br>Access: ${entry.scope}<br>Since ${formatTime(entry.since)}${lastUse(entry)}
<br><button type="submit" form="revoke-app" name="client_id" value="${entry.clientId}" aria-label="Disconnect ${entry.name}">Disconnect</button></li>`;
}

function deviceItem(entry: DeviceEntry) {
  const since = formatTime(entry.since);
  return html`<li><strong>${entry.name}</strong>
<br>Access: ${entry.scope}<br>Paired ${since}${lastUse(entry)}
<br><button type="submit" form="revoke-device" name="id" value="${entry.id}" aria-label="Unpair ${entry.name}, paired ${since}">Unpair</button></li>`;
}

function list<T>(entries: readonly T[], item: (entry: T) => SafeHtml, empty: string) {
  return entries.length === 0 ? html`<p>${empty}</p>` : html`<ul class="access-list">${entries.map(item)}</ul>`;
}

export function devicesSection(options: { csrfToken: string; access: AccessList }): SafeHtml {
  const { csrfToken, access } = options;
  const form = (id: string, action: string) => html`<form id="${id}" method="post" action="${action}#devices-heading"><input type="hidden" name="csrf_token" value="${csrfToken}"></form>`;
  return html`<section aria-labelledby="devices-heading">
<h2 id="devices-heading">Signed-in browsers and connected apps</h2>
${form('revoke-browser', devicePaths.browsers)}${form('revoke-app', devicePaths.apps)}${form('revoke-device', devicePaths.devices)}
<h3>Browsers</h3>
${list(access.browsers, browserItem, 'No browser is signed in.')}
<h3>Connected apps</h3>
${list(access.apps, appItem, 'No app is connected.')}
<h3>Paired devices</h3>
${list(access.devices, deviceItem, 'No device is paired.')}
</section>`;
}
