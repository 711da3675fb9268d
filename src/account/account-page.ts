/**
 * The /account page (PRODUCT.md "account page"): without a session, the sign-in form (username,
 * password and the authenticator code for people with two-factor sign-in on); signed in, the
 * person's own app passwords and a sign-out button. Every form carries the CSRF token
 * (oauth/csrf.ts); no script, so it works without JavaScript; every value is escaped by `html`.
 */
import { html } from '../oauth/pages/html.js';
import { renderPage } from '../oauth/pages/render-page.js';
import type { TokenRecord } from '../store/records.js';

export interface AccountPageOptions {
  csrfToken: string;
  /** Absent: the sign-in form. */
  username?: string;
  appPasswords?: readonly TokenRecord[];
  /** The configured scopes' resources, offered as checkboxes. */
  resources?: readonly string[];
  /** Just created: shown once, with its QR code (a data: URI PNG). */
  created?: { name: string; secret: string; qrCode: string };
  error?: string;
  /** Prefilled after a failed sign-in. */
  triedUsername?: string;
}

function date(seconds: number | null): string {
  return seconds === null ? 'never' : new Date(seconds * 1000).toISOString().slice(0, 10);
}

function signInForm(options: AccountPageOptions) {
  return html`<h1>Sign in</h1>
${options.error !== undefined && html`<p role="alert">${options.error}</p>`}
<form method="post" action="/account/sign-in">
<input type="hidden" name="csrf_token" value="${options.csrfToken}">
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${options.triedUsername ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="code">Code from your authenticator app <small>(only with two-factor sign-in)</small></label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" spellcheck="false">
<div class="buttons"><button type="submit">Sign in</button></div>
</form>`;
}

function appPasswordList(tokens: readonly TokenRecord[]) {
  if (tokens.length === 0) return html`<p>No app passwords yet.</p>`;
  const rows = tokens.map((token) => html`<tr><td>${token.name}</td><td>${token.scope}</td><td>${date(token.createdAt)}</td><td>${date(token.expiresAt)}</td><td><button type="submit" form="revoke" name="id" value="${token.id}">Revoke</button></td></tr>`);
  return html`<div class="table-wrap"><table>
<thead><tr><th>Name</th><th>Scope</th><th>Created</th><th>Expires</th><th></th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

function createdNotice(created: NonNullable<AccountPageOptions['created']>) {
  return html`<section role="status">
<h2>New app password: ${created.name}</h2>
<p>Copy it now: it is shown only once.</p>
<p><code id="new-password">${created.secret}</code></p>
<img id="new-password-qr" src="${created.qrCode}" alt="QR code of the new app password" width="200" height="200">
</section>`;
}

function createForm(options: AccountPageOptions) {
  const boxes = (options.resources ?? []).map(
    (resource) => html`<label><input type="checkbox" name="resource_${resource}"> ${resource}</label>`,
  );
  return html`<h2>Create an app password</h2>
<form method="post" action="/account/app-passwords">
<input type="hidden" name="csrf_token" value="${options.csrfToken}">
<label for="name">Name</label>
<input id="name" name="name" type="text" maxlength="100" required>
<fieldset><legend>Resources</legend>${boxes}</fieldset>
<label><input type="checkbox" name="read_only"> Read-only</label>
<label for="expiry">Expires</label>
<select id="expiry" name="expiry"><option value="never">never</option><option value="30d">in 30 days</option><option value="1y">in 1 year</option></select>
<div class="buttons"><button type="submit">Create</button></div>
</form>`;
}

export function renderAccountPage(options: AccountPageOptions): string {
  if (options.username === undefined) return renderPage({ title: 'Sign in', body: signInForm(options) });
  const body = html`<h1>Your account</h1>
<p>Signed in as <strong>${options.username}</strong>.</p>
${options.created !== undefined && createdNotice(options.created)}
<h2>App passwords</h2>
<form id="revoke" method="post" action="/account/app-passwords/revoke"><input type="hidden" name="csrf_token" value="${options.csrfToken}"></form>
${appPasswordList(options.appPasswords ?? [])}
${createForm(options)}
<form method="post" action="/account/sign-out">
<input type="hidden" name="csrf_token" value="${options.csrfToken}">
<div class="buttons"><button type="submit">Sign out</button></div>
</form>`;
  return renderPage({ title: 'Your account', body });
}
