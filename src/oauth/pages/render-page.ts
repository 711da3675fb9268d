/**
 * The shell every page shares: a language, a viewport for phones, the one inline stylesheet (which
 * send-html.ts allows by hash) and no inline script (the account page loads one same-origin file). `<link rel="icon" href="data:,">` stops the browser
 * from asking for /favicon.ico, which would otherwise reach the route rules.
 */
import { html, SafeHtml } from './html.js';
import { pageStyle } from './page-style.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** A same-origin script allowed by this response's CSP nonce (send-html.ts `scriptNonce`); none on most pages. */
  script?: { src: string; nonce: string };
  /** `wide`: room for tables (the account page). */
  layout?: 'wide';
}

export function renderPage(options: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${options.title}</title>
<style>${new SafeHtml(pageStyle)}</style>
${options.script && html`<script src="${options.script.src}" nonce="${options.script.nonce}" defer></script>`}
</head>
<body>
<main${options.layout === 'wide' ? html` class="wide"` : ''}>
<div class="card">
${options.body}
</div>
</main>
</body>
</html>
`.value;
}
