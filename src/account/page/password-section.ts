/**
 * The password change form on /account: the current password (checked like every sign-in), the
 * new one twice, and the option to sign out everywhere else. Autocomplete tokens tell password
 * managers which field is which (HTML "autofill": current-password, new-password).
 */
import { html, type SafeHtml } from '../../oauth/pages/html.js';
import type { PasswordChanged } from '../account-actions.js';

export function passwordChangedNotice(changed: PasswordChanged): SafeHtml {
  const refresh = changed.refreshTokensRevoked === 1 ? '1 connected app was signed out' : `${changed.refreshTokensRevoked} connected apps were signed out`;
  const sessions = changed.sessionsEnded === 1 ? '1 other session ended' : `${changed.sessionsEnded} other sessions ended`;
  return html`<p role="status" id="password-changed">Your password was changed: ${sessions}${changed.refreshTokensRevoked > 0 && html`, ${refresh}`}. This browser stays signed in; your app passwords still work.</p>`;
}

export function passwordSection(options: { csrfToken: string; username: string; minLength: number; changed?: PasswordChanged | undefined }): SafeHtml {
  return html`<section aria-labelledby="password-heading">
<h2 id="password-heading">Password</h2>
${options.changed !== undefined && passwordChangedNotice(options.changed)}
<form method="post" action="/account/password#password-heading">
<input type="hidden" name="csrf_token" value="${options.csrfToken}">
<input type="text" name="username" value="${options.username}" autocomplete="username" hidden>
<label for="password-current">Current password</label>
<input id="password-current" name="current_password" type="password" autocomplete="current-password" required>
<label for="password-new">New password <small>(at least ${options.minLength} characters)</small></label>
<input id="password-new" name="new_password" type="password" autocomplete="new-password" minlength="${options.minLength}" required>
<label for="password-new-again">New password again</label>
<input id="password-new-again" name="new_password_again" type="password" autocomplete="new-password" minlength="${options.minLength}" required>
<label><input type="checkbox" name="sign_out_everywhere"> Also sign out every other session and revoke every refresh token</label>
<p><small>Other browser sessions always end when the password changes. With this option, apps connected through OAuth must sign in again too. App passwords stay either way: revoke them above.</small></p>
<div class="buttons"><button type="submit">Change password</button></div>
</form>
</section>`;
}
