/**
 * The one script of /account, served from our own origin (`GET /account/account.js`) and allowed
 * by a per-response nonce, never inline (CSP Level 3 §7.2 nonce-source): the page's policy is
 * `script-src 'nonce-…'`, so even a same-origin file (an upload on the WebDAV share behind the
 * gateway) cannot run on the page. It only enhances: copy buttons (copy-button.ts) appear and
 * write to the clipboard the text as shown (innerText: a list's items on lines of their own; the
 * Async Clipboard API needs a secure context: https or loopback).
 */
export const accountScriptPath = '/account/account.js';

export const accountScript = `'use strict';
for (const button of document.querySelectorAll('button[data-copy]')) {
  const target = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector('.copy-status');
  if (!target || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(target.innerText.trim());
      status.textContent = 'Copied.';
    } catch {
      status.textContent = 'Could not copy: select the text and copy it by hand.';
    }
  });
}
`;
