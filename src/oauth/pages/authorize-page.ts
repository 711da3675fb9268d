/**
 * The login and consent page of the authorization code flow (RFC 6749 §4.1.1, PRODUCT.md
 * "login, consent, device pages"): it names the client, lists the requested scopes, takes a
 * username and password and posts back with `decision=allow` or `decision=deny`, carrying the
 * authorization request in hidden fields and the CSRF token (oauth/csrf.ts).
 *
 * - The error text comes from the caller and is one generic text for any failed login, so the
 *   page never tells whether a username exists (OWASP Authentication Cheat Sheet).
 * - Allow is the first submit button, so Enter allows; Deny skips the browser's field checks
 *   (`formnovalidate`): declining needs no password, it only sends the user back to the client
 *   with `error=access_denied` (RFC 6749 §4.1.2.1).
 * - An optional code field takes the second factor of users with two-factor sign-in on
 *   (oauth/sign-in.ts); others leave it empty.
 * - Every value is escaped by the `html` tag; there is no script.
 */
import { html } from './html.js';
import { renderPage } from './render-page.js';
import { renderScopeList } from './scope-list.js';

export interface AuthorizePageOptions {
  clientName: string;
  scopes: readonly string[];
  /** Where the form posts: the authorize endpoint's path. */
  action: string;
  /** The authorization request: client_id, redirect_uri, state, scope, code_challenge, ... */
  hidden: Readonly<Record<string, string>>;
  csrfToken: string;
  /** Shown again after a failed login. */
  username?: string;
  /** A browser session is signed in as this user: the page asks for consent only. */
  signedInAs?: string;
  error?: string;
}

/** Names the form itself uses; a hidden field with one of them would send it twice. */
const formFields = new Set(['csrf_token', 'username', 'password', 'code', 'decision']);

export function renderAuthorizePage(options: AuthorizePageOptions): string {
  const hidden = Object.entries(options.hidden).map(([name, value]) => {
    if (formFields.has(name)) throw new TypeError(`hidden field ${name} clashes with a form field`);
    return html`<input type="hidden" name="${name}" value="${value}">\n`;
  });
  const credentials = options.signedInAs === undefined
    ? html`<label for="username">Username</label>
<input id="username" name="username" type="text" value="${options.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="code">Code from your authenticator app <small>(only with two-factor sign-in)</small></label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" spellcheck="false">`
    : html`<p>Signed in as <strong>${options.signedInAs}</strong>.</p>`;
  const body = html`<h1>Sign in to allow access</h1>
<p><strong>${options.clientName}</strong> asks for access to your account:</p>
${renderScopeList(options.scopes)}
${options.error !== undefined && html`<p role="alert">${options.error}</p>`}
<form method="post" action="${options.action}">
${hidden}<input type="hidden" name="csrf_token" value="${options.csrfToken}">
${credentials}
<div class="buttons">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>`;
  return renderPage({ title: 'Sign in to allow access', body });
}
