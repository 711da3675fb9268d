/**
 * The page for an authorization request we cannot send back: an unknown client_id or a
 * redirect_uri that is not registered. RFC 6749 §4.1.2.1 (and §10.15, open redirectors): the
 * server must inform the user and must not redirect to the invalid URI. The caller picks the
 * status (400); the text is escaped like everything else.
 */
import { html } from './html.js';
import { renderPage } from './render-page.js';

export function renderErrorPage(options: { title: string; message: string }): string {
  const body = html`<h1>${options.title}</h1>
<p>${options.message}</p>`;
  return renderPage({ title: options.title, body });
}
