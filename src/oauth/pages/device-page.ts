/**
 * The verification page of the device authorization grant (RFC 8628 §3.3): the user types the
 * code their device shows (prefilled from `verification_uri_complete`'s `user_code`, §3.3.1),
 * signs in with username and password in the same form (PRODUCT.md "login, consent, device
 * pages") and allows or denies; then the page tells them to return to the device, which learns
 * the outcome by polling (§3.5).
 *
 * Unlike the authorize page, Deny keeps the browser's field checks: denying changes the device
 * request's state, so the server wants a signed-in user for it too. No script; every value is
 * escaped by the `html` tag.
 */
import { html } from './html.js';
import { renderPage } from './render-page.js';
import { renderScopeList } from './scope-list.js';

export interface DevicePageOptions {
  action: string;
  csrfToken: string;
  userCode?: string;
  /** Known once the user code has been looked up (after a failed sign-in, say). */
  clientName?: string;
  scopes?: readonly string[];
  error?: string;
  done?: 'approved' | 'denied';
}

export function renderDevicePage(options: DevicePageOptions): string {
  if (options.done !== undefined) {
    const title = options.done === 'approved' ? 'Device connected' : 'Device not connected';
    const body = html`<h1>${title}</h1>
<p>${options.done === 'approved' ? 'Access was allowed.' : 'Access was denied.'} You can return to your device.</p>`;
    return renderPage({ title, body });
  }
  const client = options.clientName !== undefined && html`<p><strong>${options.clientName}</strong> asks for access to your account:</p>
${renderScopeList(options.scopes ?? [])}`;
  const body = html`<h1>Connect a device</h1>
<p>Enter the code shown on your device and sign in.</p>
${client}
${options.error !== undefined && html`<p role="alert">${options.error}</p>`}
<form method="post" action="${options.action}">
<input type="hidden" name="csrf_token" value="${options.csrfToken}">
<label for="user_code">Code from your device</label>
<input id="user_code" name="user_code" type="text" value="${options.userCode ?? ''}" autocomplete="off" autocapitalize="characters" spellcheck="false" required>
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="code">Code from your authenticator app <small>(only with two-factor sign-in)</small></label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" spellcheck="false">
<div class="buttons">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`;
  return renderPage({ title: 'Connect a device', body });
}
