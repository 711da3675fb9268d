/**
 * The person's own app passwords on /account: the list (each with its last use, at most a minute
 * stale) with a revoke button each, the notice that shows a new one once (with its QR code, a
 * data: URI PNG), and the form that creates one.
 */
import { html, type SafeHtml } from '../../oauth/pages/html.js';
import type { TokenRecord } from '../../store/records.js';
import { copyButton } from './copy-button.js';
import { formatDate } from './format.js';
import { lastUsed } from './last-used.js';

export interface CreatedAppPassword {
  name: string;
  secret: string;
  qrCode: string;
}

function appPasswordList(tokens: readonly TokenRecord[]) {
  if (tokens.length === 0) return html`<p>No app passwords yet.</p>`;
  const rows = tokens.map((token) => html`<tr><td data-label="Name">${token.name}</td><td data-label="Scope">${token.scope}</td><td data-label="Created">${formatDate(token.createdAt)}</td><td data-label="Last used">${lastUsed(token)}</td><td data-label="Expires">${formatDate(token.expiresAt)}</td><td><button type="submit" form="revoke" name="id" value="${token.id}" aria-label="Revoke ${token.name} (${token.scope})">Revoke</button></td></tr>`);
  return html`<div class="table-wrap"><table class="rows">
<thead><tr><th>Name</th><th>Scope</th><th>Created</th><th>Last used</th><th>Expires</th><th></th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

export function createdNotice(created: CreatedAppPassword): SafeHtml {
  return html`<section role="status">
<h2>New app password: ${created.name}</h2>
<p>Copy it now: it is shown only once.</p>
<p><code id="new-password">${created.secret}</code></p>
${copyButton('new-password', 'Copy password')}
<img id="new-password-qr" src="${created.qrCode}" alt="QR code of the new app password" width="200" height="200">
</section>`;
}

function createForm(csrfToken: string, resources: readonly string[]) {
  const boxes = resources.map((resource) => html`<label><input type="checkbox" name="resource_${resource}"> ${resource}</label>`);
  return html`<h3>Create an app password</h3>
<form method="post" action="/account/app-passwords">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<label for="name">Name</label>
<input id="name" name="name" type="text" maxlength="100" required>
<fieldset class="choices"><legend>Resources</legend>${boxes}</fieldset>
<label><input type="checkbox" name="read_only"> Read-only</label>
<label for="expiry">Expires</label>
<select id="expiry" name="expiry"><option value="never">never</option><option value="30d">in 30 days</option><option value="1y">in 1 year</option></select>
<div class="buttons"><button type="submit">Create</button></div>
</form>`;
}

export function appPasswordsSection(options: { csrfToken: string; appPasswords: readonly TokenRecord[]; resources: readonly string[] }): SafeHtml {
  return html`<h2 id="app-passwords-heading">App passwords</h2>
<form id="revoke" method="post" action="/account/app-passwords/revoke#app-passwords-heading"><input type="hidden" name="csrf_token" value="${options.csrfToken}"></form>
${appPasswordList(options.appPasswords)}
${createForm(options.csrfToken, options.resources)}`;
}
