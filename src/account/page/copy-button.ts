/**
 * Copy buttons on /account (a new app password, a generated password, a two-factor key): a
 * button that copies the text of the element it names. The page works without JavaScript, so
 * the button is rendered `hidden` and only the script (account-script.ts) shows it; the text
 * itself is always on the page to select by hand. The status paragraph is a polite live region,
 * so a screen reader hears "Copied." rather than nothing.
 */
import { html, type SafeHtml } from '../../oauth/pages/html.js';

export function copyButton(targetId: string, label = 'Copy'): SafeHtml {
  return html`<p class="copy-row"><button type="button" class="copy" data-copy="${targetId}" aria-describedby="${targetId}" hidden>${label}</button> <span class="copy-status" role="status" aria-live="polite"></span></p>`;
}
