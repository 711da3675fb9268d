/**
 * The one escaper for everything our pages interpolate: client names, scopes, state, usernames
 * and error texts are attacker-chosen. The five characters below are enough in text and in
 * double-quoted attribute values, the only two contexts our templates use (OWASP XSS Prevention
 * Cheat Sheet, rules 1 and 2). Pages never interpolate into scripts, styles or unquoted
 * attributes, and they carry no script at all. Pinned by test/unit/oauth/pages/escape-html.test.ts.
 */
const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => entities[c] as string);
}
