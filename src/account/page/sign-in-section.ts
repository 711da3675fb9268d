/** The /account sign-in form: username, password, and the authenticator code for people with two-factor sign-in on. */
import { html, type SafeHtml } from '../../oauth/pages/html.js';

export function signInSection(options: { csrfToken: string; error?: string | undefined; triedUsername?: string | undefined }): SafeHtml {
  return html`<h1>Sign in</h1>
${options.error !== undefined && html`<p role="alert">${options.error}</p>`}
<form method="post" action="/account/sign-in">
<input type="hidden" name="csrf_token" value="${options.csrfToken}">
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${options.triedUsername ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="code">Code from your authenticator app, or a recovery code <small>(only with two-factor sign-in)</small></label>
<input id="code" name="code" type="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false">
<div class="buttons"><button type="submit">Sign in</button></div>
</form>`;
}
