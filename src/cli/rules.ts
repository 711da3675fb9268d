/**
 * `photogate rules check|list`: operators test their route rules without traffic. Both read the
 * configuration as `photogate start` would and use the gateway's own route table and path
 * canonicalisation (access/explain-request.ts), so what they print is what a request meets.
 */
import { createConfiguredRouteTable } from '../access/configured-route-table.js';
import { canonicalizeTarget } from '../access/canonical-path.js';
import { explainRequest, type RequestExplanation } from '../access/explain-request.js';
import type { RouteRule } from '../access/route-rules.js';
import { createCommandGroup, type Subcommand } from './command-group.js';
import { parseScope } from './cli-values.js';
import { formatTable } from './table.js';

const methodsOf = (methods: readonly string[] | null) => (methods === null ? 'every method' : methods.join(' '));

function describe(e: RequestExplanation): string {
  const rows: [string, string][] = [
    ['request', `${e.method} ${e.path}`],
    ['canonical path', e.canonical_path ?? '-'],
  ];
    if (e.rule) rows.push(['rule', `${e.rule.path} (${methodsOf(e.rule.methods)}) -> ${e.rule.scope}`]);
  if (e.access) rows.push(['access', e.resource ? `scope ${e.resource}, ${e.access_kind}` : e.access]);
  if (e.scope !== null) rows.push(['scope given', e.scope || '(empty)']);
  const verdict = e.endpoint ? '' : e.allowed === null ? 'depends on the credential: ' : e.allowed ? 'passes: ' : 'refused: ';
  rows.push(['decision', `${verdict}${e.reason}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

const check: Subcommand = {
  name: 'check',
  usage: 'METHOD PATH [--scope S...]',
  summary: 'show the canonical path, the deciding rule or refusal, and whether a scope passes',
  details: `Options:
  -s, --scope S   the scope of a credential to test (repeatable: --scope photos --scope read)

Exits 0 when the request would pass or needs a credential, 1 when it would be refused.
Roles, the WebDAV flag of a user and app-password limits also apply to real requests.`,
  options: { scope: { type: 'string', short: 's', multiple: true } },
  positionals: ['METHOD', 'PATH'],
  async run(ctx) {
    const [method, path] = ctx.positionals as [string, string];
    const scopes = ctx.strings('scope');
    const routes = createConfiguredRouteTable(ctx.config());
    const scope = scopes === undefined ? undefined : parseScope(scopes.join(' '));
    // Loaded here, not at the top: gateway.ts pulls in the whole server, which no other command needs.
    const { endpointPaths } = await import('../gateway.js');
    const explanation = explainRequest(routes, new Set(Object.values(endpointPaths)), { method, path, scope });
    ctx.print(explanation, () => describe(explanation));
    return explanation.allowed === false ? 1 : 0;
  },
};

function ruleView(rule: RouteRule, index: number, configured: ReadonlySet<string>) {
  const methods = rule.methods ? [...rule.methods].sort() : null;
  const key = `${rule.path} ${methods ? methods.join(',') : '*'}`;
  return {
    order: index + 1,
    path: rule.path,
    methods,
    scope: rule.access.kind === 'scope' ? rule.access.resource : rule.access.kind,
    source: configured.has(key) ? 'config' : 'builtin',
  };
}

const list: Subcommand = {
  name: 'list',
  usage: '',
  summary: 'print the effective route table (built-in and configured) in match order',
  details: `The first rule whose path is a prefix of the canonical request path and whose methods
include the request's decides. A path no rule covers is refused (403 access_denied).`,
  async run(ctx) {
    const config = ctx.config();
    const configured = new Set(
      config.routes.rules.map((r) => `${canonicalizeTarget(r.path).path} ${r.methods ? [...r.methods].sort().join(',') : '*'}`),
    );
    const views = createConfiguredRouteTable(config).rules.map((rule, i) => ruleView(rule, i, configured));
    ctx.print(views, () =>
      formatTable(
        ['#', 'Path', 'Methods', 'Scope', 'Source'],
        views.map((v) => [String(v.order), v.path, methodsOf(v.methods), v.scope, v.source]),
      ),
    );
    return 0;
  },
};

export const rulesCommand = createCommandGroup({
  name: 'rules',
  summary: 'check which route rule decides a request, list the route table',
  subcommands: [check, list],
});
