/**
 * The shell every page shares: a language, a viewport for phones, the one inline stylesheet (which
 * send-html.ts allows by hash) and no script. `<link rel="icon" href="data:,">` stops the browser
 * from asking for /favicon.ico, which would otherwise reach the route rules.
 */
import { html, SafeHtml } from './html.js';
import { pageStyle } from './page-style.js';

export function renderPage(options: { title: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${options.title}</title>
<style>${new SafeHtml(pageStyle)}</style>
</head>
<body>
<main>
<div class="card">
${options.body}
</div>
</main>
</body>
</html>
`.value;
}
