/**
 * Every HTML answer of ours (login, consent, device and error pages) with the headers that keep
 * a login form safe to show:
 * - A Content-Security-Policy that allows no script (`default-src 'none'`; the account page alone
 *   allows its one same-origin file by a per-response nonce, `scriptNonce`), our one inline
 *   stylesheet by its SHA-256 hash (CSP Level 3 §8.3; hashed here at load from page-style.ts),
 *   images only from us or `data:` (the empty favicon), and forms only to us (`form-action`);
 *   `frame-ancestors 'none'` and X-Frame-Options: DENY forbid framing, against clickjacking
 *   (RFC 6749 §10.13, OWASP Clickjacking Defense Cheat Sheet); `base-uri 'none'`.
 * - `formActionOrigins`: Chromium applies form-action to the redirects that follow a form
 *   submission, so the authorize page, whose POST answers 303 to the client's redirect_uri,
 *   lists that URI's origin here. A URL is reduced to its origin, or to its `scheme:` where CSP
 *   cannot name the origin: a native app's private-use scheme (RFC 8252 §7.1), whose URLs have
 *   no origin, and an IPv6 literal host, which CSP's grammar lacks (only that page widens).
 * - `no-store` (+ `Pragma` for HTTP/1.0 caches): pages carry CSRF tokens and usernames
 *   (RFC 6749 §5.1 spirit; RFC 9111 §5.2.2.5); no Referer leaks the authorization request's query.
 * Pinned by test/unit/http/send-html.test.ts and test/integration/login-pages.test.ts (Chromium).
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { pageStyle } from '../oauth/pages/page-style.js';

const styleSource = `'sha256-${createHash('sha256').update(pageStyle, 'utf8').digest('base64')}'`;

export interface SendHtmlOptions {
  /** Origins (or URLs, reduced to their origin) a form on this page may post or redirect to. */
  formActionOrigins?: readonly string[];
  /** Allows the page's one same-origin script by this nonce (fresh per response); no script otherwise. */
  scriptNonce?: string;
}

function formActionSource(origin: string): string {
  const url = new URL(origin);
  // CSP host sources have no IPv6 literals (CSP3 §2.3.1 host-char); Chromium ignores
  // `http://[::1]:port`, so a loopback redirect to [::1] (RFC 8252 §7.3) gets its scheme.
  if (url.hostname.startsWith('[')) return url.protocol;
  if (url.origin !== 'null') return url.origin;
  if (url.protocol === 'file:' || url.protocol === 'javascript:' || url.protocol === 'data:') {
    throw new TypeError(`not a form action origin: ${url.protocol}`);
  }
  return url.protocol;
}

export function contentSecurityPolicy(formActionOrigins: readonly string[] = [], scriptNonce?: string): string {
  const formAction = ["'self'", ...new Set(formActionOrigins.map(formActionSource))].join(' ');
  return [
    "default-src 'none'",
    ...(scriptNonce === undefined ? [] : [`script-src 'nonce-${scriptNonce}'`]),
    `style-src ${styleSource}`,
    "img-src 'self' data:",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function sendHtml(res: ServerResponse, status: number, html: string, options: SendHtmlOptions = {}): void {
  // Encoded once: byteLength and then end(string) would each walk a large page (an admin's /account).
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-security-policy': contentSecurityPolicy(options.formActionOrigins, options.scriptNonce),
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
