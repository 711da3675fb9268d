/**
 * Two-factor sign-in on /account, one form per step, each working without JavaScript:
 *
 * - off: the password starts the set-up; the answer shows the QR code of the `otpauth://` URI
 *   (a data: PNG) and the key in text for people who type it, then asks for one code;
 * - set up but not confirmed (the page was left): asks for the code, or the password to start
 *   again; the key is shown only in the answer to the password, never on a plain page load;
 * - on: how many recovery codes are left, a new set (password + code), turning it off
 *   (password + code; a recovery code does too).
 * New recovery codes are shown once, in the answer that made them.
 */
import { html, type SafeHtml } from '../../oauth/pages/html.js';
import type { UserRecord } from '../../store/records.js';
import type { PasscodeView } from '../../two-factor/two-factor.js';
import { copyButton } from './copy-button.js';

export const twoFactorPaths = {
  setUp: '/account/two-factor/set-up',
  enable: '/account/two-factor/enable',
  disable: '/account/two-factor/disable',
  recoveryCodes: '/account/two-factor/recovery-codes',
} as const;

export type TwoFactorState = { kind: 'off' } | { kind: 'pending' } | { kind: 'on'; recoveryCodesLeft: number };

/** What an action shows once: the set-up step's key, or new recovery codes. */
export type TwoFactorShown = { kind: 'set-up'; view: PasscodeView } | { kind: 'recovery-codes'; codes: readonly string[] };

export function twoFactorState(user: UserRecord): TwoFactorState {
  const record = user.twoFactor;
  if (!record) return { kind: 'off' };
  return record.activatedAt === null ? { kind: 'pending' } : { kind: 'on', recoveryCodesLeft: record.recoveryCodeDigests.length };
}

const hidden = (csrfToken: string) => html`<input type="hidden" name="csrf_token" value="${csrfToken}">`;

function passwordField(id: string) {
  return html`<label for="${id}">Password</label>
<input id="${id}" name="password" type="password" autocomplete="current-password" required>`;
}

function codeField(id: string, label: string) {
  return html`<label for="${id}">${label}</label>
<input id="${id}" name="code" type="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required>`;
}

function recoveryCodesNotice(codes: readonly string[]): SafeHtml {
  return html`<div role="status" id="recovery-codes-notice">
<p>Your recovery codes, shown only now. Keep them somewhere safe: each one works once in place of a code from your app.</p>
<ol id="recovery-codes">${codes.map((code) => html`<li><code>${code}</code></li>`)}</ol>
${copyButton('recovery-codes', 'Copy recovery codes')}
</div>`;
}

function setUpStep(csrfToken: string, view: PasscodeView): SafeHtml {
  return html`<div role="status" id="two-factor-set-up">
<p>Scan this QR code with your authenticator app, or type the key into it.</p>
<img id="two-factor-qr" src="${view.QRCode}" alt="QR code of the two-factor key (the key is also written below)" width="200" height="200">
<p>Key: <code id="two-factor-key">${view.Secret}</code></p>
${copyButton('two-factor-key', 'Copy key')}
</div>
${enableForm(csrfToken)}`;
}

function enableForm(csrfToken: string): SafeHtml {
  return html`<form method="post" action="${twoFactorPaths.enable}#two-factor-heading">
${hidden(csrfToken)}
${codeField('enable-code', 'Code from your authenticator app')}
<div class="buttons"><button type="submit">Turn on two-factor sign-in</button></div>
</form>`;
}

function setUpForm(csrfToken: string, button: string): SafeHtml {
  return html`<form method="post" action="${twoFactorPaths.setUp}#two-factor-heading">
${hidden(csrfToken)}
${passwordField('set-up-password')}
<div class="buttons"><button type="submit">${button}</button></div>
</form>`;
}

function onForms(csrfToken: string, left: number): SafeHtml {
  return html`<p>Two-factor sign-in is <strong>on</strong>. <span id="recovery-codes-left">${left === 1 ? '1 recovery code' : `${left} recovery codes`} left</span>.</p>
<h3>New recovery codes</h3>
<p>Replaces every recovery code you have now.</p>
<form method="post" action="${twoFactorPaths.recoveryCodes}#two-factor-heading">
${hidden(csrfToken)}
${passwordField('recovery-password')}
${codeField('recovery-code', 'Code from your authenticator app, or a recovery code')}
<div class="buttons"><button type="submit">Replace recovery codes</button></div>
</form>
<h3>Turn off</h3>
<form method="post" action="${twoFactorPaths.disable}#two-factor-heading">
${hidden(csrfToken)}
${passwordField('disable-password')}
${codeField('disable-code', 'Code from your authenticator app, or a recovery code')}
<div class="buttons"><button type="submit">Turn off two-factor sign-in</button></div>
</form>`;
}

export function twoFactorSection(options: { csrfToken: string; state: TwoFactorState; shown?: TwoFactorShown | undefined }): SafeHtml {
  const { csrfToken, state, shown } = options;
  let body: SafeHtml;
  if (shown?.kind === 'set-up') body = setUpStep(csrfToken, shown.view);
  else if (state.kind === 'off') {
    body = html`<p>Two-factor sign-in is <strong>off</strong>. With it on, signing in with your password also needs a code from an authenticator app.</p>
${setUpForm(csrfToken, 'Set up two-factor sign-in')}`;
  } else if (state.kind === 'pending') {
    body = html`<p>Set-up started: enter the code your authenticator app shows to turn two-factor sign-in on.</p>
${enableForm(csrfToken)}
<p>No key in your app yet? Start again with your password:</p>
${setUpForm(csrfToken, 'Show a new key')}`;
  } else body = onForms(csrfToken, state.recoveryCodesLeft);
  return html`<section aria-labelledby="two-factor-heading">
<h2 id="two-factor-heading">Two-factor sign-in</h2>
${shown?.kind === 'recovery-codes' && recoveryCodesNotice(shown.codes)}
${body}
</section>`;
}
