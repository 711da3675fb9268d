/**
 * The Users section of /account, shown to administrators only (user-admin-endpoints.ts refuses
 * everyone else): every account with its role, WebDAV, two-factor and disabled state, created
 * date and number of app passwords, a row of buttons each, and the form that adds a user. What
 * an action answers (a generated password shown once, the confirmation a removal asks for, a
 * user's app passwords) comes first, as a notice. No script: every button is a form post, and
 * no state is told by colour alone (the words say it).
 */
import { html, type SafeHtml } from '../../oauth/pages/html.js';
import type { TokenRecord } from '../../store/records.js';
import type { UserSummary } from '../user-admin-actions.js';
import { copyButton } from './copy-button.js';
import { formatDate } from './format.js';

export const userAdminPaths = {
  add: '/account/users/add',
  resetPassword: '/account/users/reset-password',
  webdav: '/account/users/webdav',
  disabled: '/account/users/disabled',
  twoFactorOff: '/account/users/two-factor-off',
  remove: '/account/users/remove',
  appPasswords: '/account/users/app-passwords',
  revokeAppPassword: '/account/users/app-passwords/revoke',
} as const;

/** What an admin action shows once, above the list. */
export type UserAdminNotice =
  | { kind: 'password'; username: string; password: string; added: boolean }
  | { kind: 'confirm-remove'; username: string; appPasswords: number }
  | { kind: 'app-passwords'; username: string; tokens: readonly TokenRecord[] }
  | { kind: 'done'; text: string };

const yesNo = (value: boolean) => (value ? 'on' : 'off');

function hiddenUser(csrfToken: string, username: string) {
  return html`<input type="hidden" name="csrf_token" value="${csrfToken}"><input type="hidden" name="username" value="${username}">`;
}

function rowActions(csrfToken: string, user: UserSummary, self: string) {
  const form = (path: string, label: string, extra: SafeHtml | false = false) =>
    html`<form method="post" action="${path}#users-title">${hiddenUser(csrfToken, user.username)}${extra}<button type="submit" aria-label="${label} for ${user.username}">${label}</button></form>`;
  const own = user.username === self;
  return html`<div class="row-actions">
${form(userAdminPaths.appPasswords, `App passwords (${user.appPasswords})`)}
${!own && form(userAdminPaths.resetPassword, 'Reset password')}
${form(userAdminPaths.webdav, user.webdav ? 'Turn WebDAV off' : 'Turn WebDAV on', html`<input type="hidden" name="webdav" value="${user.webdav ? 'off' : 'on'}">`)}
${!own && user.twoFactor && form(userAdminPaths.twoFactorOff, 'Turn two-factor off')}
${!own && form(userAdminPaths.disabled, user.disabled ? 'Enable' : 'Disable', html`<input type="hidden" name="disabled" value="${user.disabled ? 'off' : 'on'}">`)}
${!own && form(userAdminPaths.remove, 'Remove')}
</div>`;
}

/** One card per user (a table would need sideways scrolling at 375 px): the facts as a description list, then the buttons. */
function userList(csrfToken: string, users: readonly UserSummary[], self: string) {
  const items = users.map(
    (user) => html`<li id="user-${user.username}" class="user">
<h3>${user.username}${user.username === self && ' (you)'}</h3>
<dl>
<div><dt>Role</dt><dd>${user.role}</dd></div>
<div><dt>WebDAV</dt><dd>${yesNo(user.webdav)}</dd></div>
<div><dt>Two-factor</dt><dd>${yesNo(user.twoFactor)}</dd></div>
<div><dt>Status</dt><dd>${user.disabled ? 'disabled' : 'active'}</dd></div>
<div><dt>Created</dt><dd>${formatDate(user.createdAt)}</dd></div>
<div><dt>App passwords</dt><dd>${user.appPasswords}</dd></div>
</dl>
${rowActions(csrfToken, user, self)}
</li>`,
  );
  return html`<ul class="users">${items}</ul>`;
}

function appPasswordList(csrfToken: string, username: string, tokens: readonly TokenRecord[]) {
  if (tokens.length === 0) return html`<p>${username} has no app passwords.</p>`;
  const rows = tokens.map(
    (token) => html`<tr><td>${token.name}</td><td>${token.scope}</td><td>${formatDate(token.createdAt)}</td><td>${formatDate(token.expiresAt)}</td><td><form method="post" action="${userAdminPaths.revokeAppPassword}#users-title">${hiddenUser(csrfToken, username)}<input type="hidden" name="id" value="${token.id}"><button type="submit" aria-label="Revoke ${token.name} of ${username}">Revoke</button></form></td></tr>`,
  );
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Scope</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

function notice(csrfToken: string, shown: UserAdminNotice) {
  switch (shown.kind) {
    case 'password':
      return html`<section role="status" aria-labelledby="user-password-title">
<h3 id="user-password-title">${shown.added ? `User ${shown.username} added` : `New password for ${shown.username}`}</h3>
<p>Give it to them now: it is shown only once.</p>
<p><code id="user-password">${shown.password}</code></p>
${copyButton('user-password', 'Copy password')}
</section>`;
    case 'confirm-remove':
      return html`<section role="alert" aria-labelledby="confirm-remove-title">
<h3 id="confirm-remove-title">Remove ${shown.username}?</h3>
<p>This deletes the account with its ${shown.appPasswords} app passwords, its tokens, sessions and OAuth clients. It cannot be undone.</p>
<form method="post" action="${userAdminPaths.remove}#users-title">${hiddenUser(csrfToken, shown.username)}
<label><input type="checkbox" name="confirm" value="yes" required> Yes, remove ${shown.username}</label>
<div class="buttons"><button type="submit">Remove ${shown.username}</button></div>
</form>
</section>`;
    case 'app-passwords':
      return html`<section aria-labelledby="user-app-passwords-title">
<h3 id="user-app-passwords-title">App passwords of ${shown.username}</h3>
${appPasswordList(csrfToken, shown.username, shown.tokens)}
</section>`;
    case 'done':
      return html`<p role="status">${shown.text}</p>`;
  }
}

function addForm(csrfToken: string) {
  return html`<h3>Add a user</h3>
<form method="post" action="${userAdminPaths.add}#users-title">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<label for="new-username">Username</label>
<input id="new-username" name="username" type="text" maxlength="64" autocapitalize="none" autocomplete="off" spellcheck="false" required>
<label for="new-role">Role</label>
<select id="new-role" name="role"><option value="user">user</option><option value="admin">admin</option></select>
<label><input type="checkbox" name="webdav"> May use WebDAV</label>
<p><small>A password is generated and shown once.</small></p>
<div class="buttons"><button type="submit">Add user</button></div>
</form>`;
}

export function usersSection(options: { csrfToken: string; users: readonly UserSummary[]; self: string; notice?: UserAdminNotice | undefined }): SafeHtml {
  const { csrfToken } = options;
  return html`<section id="users" aria-labelledby="users-title">
<h2 id="users-title">Users</h2>
${options.notice !== undefined && notice(csrfToken, options.notice)}
${userList(csrfToken, options.users, options.self)}
${addForm(csrfToken)}
</section>`;
}
