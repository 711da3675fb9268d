/**
 * How the account page shows a credential's last use (credentials/token-usage.ts): the time in
 * UTC to the minute, machine-readable in `<time>`, and the client address; "never" when unused.
 */
import { html, type SafeHtml } from '../../oauth/pages/html.js';
import type { TokenRecord } from '../../store/records.js';

export function lastUsed(token: TokenRecord): SafeHtml {
  if (token.lastUsedAt === undefined) return html`never`;
  const iso = new Date(token.lastUsedAt * 1000).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>${token.lastUsedFrom !== undefined && html` from ${token.lastUsedFrom}`}`;
}
