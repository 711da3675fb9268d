/**
 * What the gateway would decide for a method + path, without traffic (`photogate rules check`):
 * the canonical path, the rule that decides or the refusal, the resource and access kind, and
 * whether a credential with given scopes would pass. It runs the gateway's own parts
 * (canonicalizeTarget, the route table, scopeAllows), so it cannot drift from what a request
 * meets. Roles, the WebDAV flag and app-password limits are per account and not shown here.
 */
import { GatewayError } from '../errors.js';
import { canonicalizeTarget } from './canonical-path.js';
import type { RouteRule, RouteTable } from './route-rules.js';
import { parseScopeGrant, readMethods, scopeAllows } from './scope-grant.js';

export interface RequestExplanation {
  method: string;
  path: string;
  canonical_path: string | null;
  /** Answered by photogate itself (OAuth, session, health, metrics): no route rule applies. */
  endpoint: boolean;
  rule: { path: string; methods: string[] | null; scope: string } | null;
  resource: string | null;
  /** `public`, `authenticated` (any valid credential) or `scope`. */
  access: RouteRule['access']['kind'] | null;
  /** Whether the method reads or writes (the `read`/`write` scope qualifiers). */
  access_kind: 'read' | 'write';
  /** The refusal every caller gets, whatever the credential. */
  refusal: { status: number; error: string; reason: string } | null;
  scope: string | null;
  /** With `scope`: whether such a credential passes; without: null unless the answer is certain. */
  allowed: boolean | null;
  reason: string;
}

const ruleScope = (rule: RouteRule) => (rule.access.kind === 'scope' ? rule.access.resource : rule.access.kind);

export function explainRequest(
  routes: RouteTable,
  endpointPaths: ReadonlySet<string>,
  input: { method: string; path: string; scope?: string | undefined },
): RequestExplanation {
  const method = input.method.toUpperCase();
  const base = {
    method,
    path: input.path,
    canonical_path: null,
    endpoint: false,
    rule: null,
    resource: null,
    access: null,
    access_kind: readMethods.has(method) ? 'read' : 'write',
    refusal: null,
    scope: input.scope ?? null,
  } as const;
  let path: string;
  try {
    path = canonicalizeTarget(input.path).path;
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    const reason = `${error.status} ${error.code}: the path is refused (${error.detail ?? 'not canonical'})`;
    return { ...base, refusal: { status: error.status, error: error.code, reason }, allowed: false, reason };
  }
  if (endpointPaths.has(path)) {
    return { ...base, canonical_path: path, endpoint: true, allowed: null, reason: 'answered by photogate itself (its own endpoint)' };
  }
  const rule = routes.match(method, path);
  if (rule === undefined) {
    const reason = '403 access_denied: no route rule covers this path';
    return { ...base, canonical_path: path, refusal: { status: 403, error: 'access_denied', reason }, allowed: false, reason };
  }
  const found = {
    ...base,
    canonical_path: path,
    rule: { path: rule.path, methods: rule.methods ? [...rule.methods] : null, scope: ruleScope(rule) },
    resource: rule.access.kind === 'scope' ? rule.access.resource : null,
    access: rule.access.kind,
  };
  if (rule.access.kind === 'public') return { ...found, allowed: true, reason: 'public: no credential needed' };
  if (rule.access.kind === 'authenticated') {
    return { ...found, allowed: input.scope === undefined ? null : true, reason: 'any valid credential passes' };
  }
  const { resource } = rule.access;
  if (input.scope === undefined) {
    return { ...found, allowed: null, reason: `needs a credential whose scope allows ${resource} (${found.access_kind})` };
  }
  const allowed = scopeAllows(parseScopeGrant(input.scope), resource, method);
  return {
    ...found,
    allowed,
    reason: allowed ? `the scope allows ${method} on ${resource}` : `403 insufficient_scope: the scope does not allow ${method} on ${resource}`,
  };
}
