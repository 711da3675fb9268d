/**
 * Which rule applies to a request: the most specific rule whose path is a segment-wise prefix of
 * the canonical path (PRODUCT.md "rule paths"). More segments win; then more literal segments
 * (a `*` matches exactly one segment); then a rule with a method list over one without.
 * Rule paths are canonicalised like request paths, so both sides compare the same bytes.
 *
 * A path with `;` parameters (raw or `%3B`) must find the same rule with every segment's
 * parameters removed, or it is refused with 400 (issue 12): Tomcat-like upstreams read
 * `/api/v1/users/bob/password;x` as `.../password`, which another rule (another scope) decides.
 * Pinned by test/security/path-parameters.test.ts.
 *
 * A rule may name a `host`: forward-auth requests for a host some rule names are decided by that
 * host's rules alone, every other request by the rules without a host. So the rules of one app
 * behind forward-auth never fall through to another app's (test/unit/access/route-rules.test.ts).
 * The gateway's own requests always use the rules without a host: it has one upstream, and a
 * client must not choose weaker rules by sending another Host.
 */
import type { RouteRuleConfig } from '../config/schema.js';
import { InvalidRequest } from '../errors.js';
import { canonicalizeTarget } from './canonical-path.js';

export type RouteAccess =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'scope'; resource: string };

export interface RouteRule {
  path: string;
  /** Lower case, with a port when the rule names one; undefined = any host no rule names. */
  host: string | undefined;
  access: RouteAccess;
  methods: ReadonlySet<string> | undefined;
  segments: readonly string[];
  literalCount: number;
}

export interface RouteTable {
  /** `host` is the request's Host value (case and port as received); undefined = no host. */
  match(method: string, path: string, host?: string): RouteRule | undefined;
  /** Every resource name some rule needs, for validating scopes. */
  resources: ReadonlySet<string>;
  rules: readonly RouteRule[];
}

function toAccess(scope: string): RouteAccess {
  if (scope === 'public') return { kind: 'public' };
  if (scope === 'authenticated') return { kind: 'authenticated' };
  return { kind: 'scope', resource: scope };
}

function splitSegments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** A segment without its parameters: up to the first `;` or `%3B` (canonical paths upper-case escapes). */
const withoutParameters = (segment: string) => segment.split(';', 1)[0]!.split('%3B', 1)[0]!;

function compileRule(config: RouteRuleConfig): RouteRule {
  const { path } = canonicalizeTarget(config.path);
  const segments = splitSegments(path);
  return {
    path,
    host: config.host,
    access: toAccess(config.scope),
    methods: config.methods ? new Set(config.methods) : undefined,
    segments,
    literalCount: segments.filter((s) => s !== '*').length,
  };
}

const ruleKey = (r: RouteRule) => `${r.host ?? ''} ${r.path} ${r.methods ? [...r.methods].sort().join(',') : '*'}`;

function find(rules: readonly RouteRule[], method: string, segments: readonly string[]): RouteRule | undefined {
  for (const rule of rules) {
    if (rule.segments.length > segments.length) continue;
    if (rule.methods && !rule.methods.has(method)) continue;
    if (rule.segments.every((s, i) => s === '*' || s === segments[i])) return rule;
  }
  return undefined;
}

/** `Photos.Example:8443` -> the names a rule may use for it: with the port, then without. */
function hostKeys(host: string): [string, string] {
  const lower = host.toLowerCase();
  const colon = lower.lastIndexOf(':');
  return [lower, colon > lower.lastIndexOf(']') ? lower.slice(0, colon) : lower];
}

/** Configured rules replace built-in ones with the same path and method list, and add to the rest. */
export function createRouteTable(builtin: readonly RouteRuleConfig[], configured: readonly RouteRuleConfig[]): RouteTable {
  const byKey = new Map<string, RouteRule>();
  for (const config of [...builtin, ...configured]) {
    const rule = compileRule(config);
    byKey.set(ruleKey(rule), rule);
  }
  const rules = [...byKey.values()].sort(
    (a, b) =>
      b.segments.length - a.segments.length ||
      b.literalCount - a.literalCount ||
      Number(b.methods !== undefined) - Number(a.methods !== undefined),
  );
  const resources = new Set<string>();
  for (const rule of rules) if (rule.access.kind === 'scope') resources.add(rule.access.resource);
  const byHost = new Map<string, RouteRule[]>();
  const anyHost: RouteRule[] = [];
  for (const rule of rules) {
    if (rule.host === undefined) anyHost.push(rule);
    else byHost.set(rule.host, [...(byHost.get(rule.host) ?? []), rule]);
  }

  const rulesFor = (host: string | undefined): readonly RouteRule[] => {
    if (host === undefined || byHost.size === 0) return anyHost;
    const [withPort, withoutPort] = hostKeys(host);
    return byHost.get(withPort) ?? byHost.get(withoutPort) ?? anyHost;
  };

  return {
    rules,
    resources,
    match(method, path, host) {
      const candidates = rulesFor(host);
      const segments = splitSegments(path);
      const rule = find(candidates, method, segments);
      if (path.includes(';') || path.includes('%3B')) {
        if (find(candidates, method, segments.map(withoutParameters)) !== rule) {
          throw new InvalidRequest({ description: 'The request path is not acceptable.', detail: 'path parameters change the route rule' });
        }
      }
      return rule;
    },
  };
}
