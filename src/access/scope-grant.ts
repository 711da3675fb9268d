/**
 * What a scope string allows (PRODUCT.md "Scopes"): `*` every resource, a resource name that
 * resource; the qualifiers `read` (safe methods) and `write` (every other method) narrow it.
 * Qualifiers alone, like the reference's `read`, apply to every resource
 * (reference-photoprism.md §4.5).
 */
export interface ScopeGrant {
  allResources: boolean;
  resources: ReadonlySet<string>;
  read: boolean;
  write: boolean;
}

/** RFC 9110 §9.2.1 safe methods, plus PROPFIND, which only reads (RFC 4918 §9.1). */
export const readMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND']);

export function parseScopeGrant(scope: string): ScopeGrant {
  const tokens = scope.split(' ').filter((t) => t !== '');
  const resources = new Set(tokens.filter((t) => t !== '*' && t !== 'read' && t !== 'write'));
  const hasRead = tokens.includes('read');
  const hasWrite = tokens.includes('write');
  return {
    allResources: tokens.includes('*') || (resources.size === 0 && (hasRead || hasWrite)),
    resources,
    // No qualifier, or both, means no narrowing.
    read: hasRead || !hasWrite,
    write: hasWrite || !hasRead,
  };
}

export function scopeAllows(grant: ScopeGrant, resource: string, method: string): boolean {
  if (!grant.allResources && !grant.resources.has(resource)) return false;
  return readMethods.has(method) ? grant.read : grant.write;
}

/** True when every resource and method `requested` allows is also allowed by `granted`. */
export function isScopeSubset(requested: ScopeGrant, granted: ScopeGrant): boolean {
  if (requested.read && !granted.read) return false;
  if (requested.write && !granted.write) return false;
  if (granted.allResources) return true;
  if (requested.allResources) return false;
  for (const r of requested.resources) if (!granted.resources.has(r)) return false;
  return true;
}
