/**
 * The /account page (PRODUCT.md "account page"): without a session, the sign-in form; signed in,
 * a sign-out button and links to the sections below, then the person's own access, one section
 * each (page/). Every form carries
 * the CSRF token (oauth/csrf.ts); no script is needed, so it works without JavaScript; every value
 * is escaped by `html`.
 */
import { html } from '../oauth/pages/html.js';
import { renderPage } from '../oauth/pages/render-page.js';
import { accountScriptPath } from './page/account-script.js';
import { minPasswordLength, type PasswordChanged } from './account-actions.js';
import type { AccountPageData } from './account-page-data.js';
import { appPasswordsSection, type CreatedAppPassword, createdNotice } from './page/app-passwords-section.js';
import { devicesSection } from './page/devices-section.js';
import { passwordSection } from './page/password-section.js';
import { signInSection } from './page/sign-in-section.js';
import { type TwoFactorShown, twoFactorSection } from './page/two-factor-section.js';
import { type UserAdminNotice, usersSection } from './page/users-section.js';

export interface AccountPageOptions {
  csrfToken: string;
  /** This response's CSP nonce for the page's one script (copy buttons). */
  scriptNonce: string;
  /** Absent: the sign-in form. */
  data?: AccountPageData;
  /** Just created: shown once. */
  created?: CreatedAppPassword;
  /** A refusal, shown at the top with role="alert". */
  error?: string;
  /** Prefilled after a failed sign-in. */
  triedUsername?: string;
  /** Just changed: what else ended. */
  passwordChanged?: PasswordChanged;
  /** The two-factor set-up key or new recovery codes: shown once. */
  twoFactorShown?: TwoFactorShown;
  /** What an admin action in the Users section shows once. */
  userAdmin?: UserAdminNotice;
}

export function renderAccountPage(options: AccountPageOptions): string {
  const { data, csrfToken } = options;
  if (data === undefined) {
    return renderPage({ title: 'Sign in', body: signInSection({ csrfToken, error: options.error, triedUsername: options.triedUsername }) });
  }
  const sections = [
    ['app-passwords-heading', 'App passwords'],
    ...(data.access !== undefined ? [['devices-heading', 'Browsers and apps']] : []),
    ['password-heading', 'Password'],
    ...(data.twoFactor !== undefined ? [['two-factor-heading', 'Two-factor']] : []),
    ...(data.users !== undefined ? [['users-title', 'Users']] : []),
  ].map(([id, label]) => html`<li><a href="#${id ?? ''}">${label}</a></li>`);
  const body = html`<h1>Your account</h1>
<div class="signed-in"><p>Signed in as <strong>${data.user.username}</strong>.</p>
<form method="post" action="/account/sign-out">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<button type="submit">Sign out</button>
</form></div>
<nav aria-label="Sections of this page"><ul class="section-links">${sections}</ul></nav>
${options.error !== undefined && html`<p role="alert">${options.error}</p>`}
${options.created !== undefined && createdNotice(options.created)}
${appPasswordsSection({ csrfToken, appPasswords: data.appPasswords, resources: data.resources })}
${data.access !== undefined && devicesSection({ csrfToken, access: data.access })}
${passwordSection({ csrfToken, username: data.user.username, minLength: minPasswordLength, changed: options.passwordChanged })}
${data.twoFactor !== undefined && twoFactorSection({ csrfToken, state: data.twoFactor, shown: options.twoFactorShown })}
${data.users !== undefined && usersSection({ csrfToken, users: data.users, self: data.user.username, notice: options.userAdmin })}`;
  return renderPage({ title: 'Your account', body, layout: 'wide', script: { src: accountScriptPath, nonce: options.scriptNonce } });
}
