/**
 * The requested scopes in words people understand, each with its scope token beside it so that
 * nothing is hidden; tokens without words (a resource we do not describe) show as they are.
 * Scope syntax and meaning: PRODUCT.md "Scopes" and access/scope-grant.ts.
 */
import { html, type SafeHtml } from './html.js';

const scopeWords: ReadonlyMap<string, string> = new Map([
  ['*', 'Everything your account may do'],
  ['read', 'Read only'],
  ['write', 'Make changes'],
  ['photos', 'Your photos and videos'],
  ['albums', 'Your albums'],
  ['webdav', 'Your files over WebDAV'],
  ['metrics', "The gateway's metrics"],
]);

export function renderScopeList(scopes: readonly string[]): SafeHtml {
  if (scopes.length === 0) return html`<ul class="scopes"><li>No particular access (no scope requested)</li></ul>`;
  const items = scopes.map((scope) => {
    const words = scopeWords.get(scope);
    return words === undefined
      ? html`<li>${scope}</li>`
      : html`<li>${words} <span class="scope-id">(${scope})</span></li>`;
  });
  return html`<ul class="scopes">${items}</ul>`;
}
