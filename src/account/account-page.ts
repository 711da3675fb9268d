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
  const rows = tokens.map((token) => html`<tr><td>${token.name}</td><td>${token.scope}</td><td>${date(token.createdAt)}</td><td>${date(token.expiresAt)}</td></tr>`);
  return html`<table>
<thead><tr><th>Name</th><th>Scope</th><th>Created</th><th>Expires</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

export function renderAccountPage(options: AccountPageOptions): string {
  if (options.username === undefined) return renderPage({ title: 'Sign in', body: signInForm(options) });
  const body = html`<h1>Your account</h1>
<p>Signed in as <strong>${options.username}</strong>.</p>
<h2>App passwords</h2>
${appPasswordList(options.appPasswords ?? [])}
<form method="post" action="/account/sign-out">
<input type="hidden" name="csrf_token" value="${options.csrfToken}">
<div class="buttons"><button type="submit">Sign out</button></div>
</form>`;
  return renderPage({ title: 'Your account', body });
}
