/**
 * The one canonical form of a scope string, used wherever a scope is stored, compared or shown
 * (PRODUCT.md "X-Forwarded-Scope": the normalised scope, as `auth ls --json` shows it).
 * Like the reference server (reference-photoprism.md §4.5): lower-case, duplicates dropped,
 * sorted with `*` last, one space between tokens. Commas are accepted as separators too, since
 * people type `-s "photos, albums"`. Validity is the caller's decision (isValidScopeToken).
 */

export function normalizeScope(input: string): string {
  const tokens = new Set(
    input
      .toLowerCase()
      .split(/[\s,]+/)
      .filter((token) => token !== ''),
  );
  return [...tokens].sort(compareScopeTokens).join(' ');
}

/** `*` (everything), the qualifiers `read` and `write`, or a resource name. */
export function isValidScopeToken(token: string): boolean {
  return token === '*' || /^[a-z][a-z0-9_-]*$/.test(token);
}

function compareScopeTokens(a: string, b: string): number {
  if (a === '*' || b === '*') return a === b ? 0 : a === '*' ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
