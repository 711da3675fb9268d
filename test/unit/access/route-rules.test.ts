import t from 'tap';
import { defaultRouteRules } from '../../../src/access/default-route-rules.js';
import { createRouteTable } from '../../../src/access/route-rules.js';

const table = createRouteTable(defaultRouteRules, [
  { path: '/custom', scope: 'photos' },
  { path: '/originals', scope: 'files' },
  { path: '/api/v1/metrics', scope: 'metrics', methods: ['GET'] },
]);

const cases: { name: string; method?: string; path: string; expected: string | undefined }[] = [
  { name: 'resource prefix', path: '/api/v1/photos', expected: 'photos' },
  { name: 'below a resource', path: '/api/v1/photos/pq1/files', expected: 'photos' },
  { name: 'segment-wise, not string prefix', path: '/api/v1/photosx', expected: undefined },
  { name: 'longest prefix wins', path: '/api/v1/users/u1/password', expected: 'password' },
  { name: 'shorter rule below a longer one', path: '/api/v1/users/u1', expected: 'users' },
  { name: 'wildcard segment', path: '/api/v1/albums/a1/t/tok/tile_500', expected: 'public' },
  { name: 'wildcard needs a segment', path: '/api/v1/albums/t', expected: 'albums' },
  { name: 'public rules are GET/HEAD only', method: 'POST', path: '/api/v1/photos/p1/dl', expected: 'photos' },
  { name: 'public download', path: '/api/v1/photos/p1/dl', expected: 'public' },
  { name: 'HEAD on a public rule', method: 'HEAD', path: '/api/v1/dl/hash', expected: 'public' },
  { name: 'webdav', method: 'PROPFIND', path: '/originals/2024/a.jpg', expected: 'files' },
  { name: 'configured rule replaces built-in with the same path', path: '/originals', expected: 'files' },
  { name: 'configured rule adds', path: '/custom/x', expected: 'photos' },
  { name: 'method-specific rule beats the any-method one', method: 'GET', path: '/api/v1/metrics', expected: 'metrics' },
  { name: 'any-method rule for other methods', method: 'DELETE', path: '/api/v1/metrics', expected: 'metrics' },
  { name: 'websocket', path: '/api/v1/ws', expected: 'authenticated' },
  { name: 'import folder webdav', path: '/import/x', expected: 'webdav' },
  { name: 'api import is files', path: '/api/v1/import/x', expected: 'files' },
  { name: 'unmapped root', path: '/', expected: undefined },
  { name: 'unmapped api root', path: '/api/v1', expected: undefined },
  { name: 'share link', path: '/s/abc/def', expected: 'public' },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const rule = table.match(c.method ?? 'GET', c.path);
    const got = rule === undefined ? undefined : rule.access.kind === 'scope' ? rule.access.resource : rule.access.kind;
    t.equal(got, c.expected);
  });
}

t.test('resources are derived from the rules', async (t) => {
  for (const r of ['photos', 'albums', 'webdav', 'metrics', 'users', 'files']) t.ok(table.resources.has(r), r);
  t.notOk(table.resources.has('public'));
});

t.test('without built-ins only configured rules apply', async (t) => {
  const only = createRouteTable([], [{ path: '/', scope: 'webdav' }]);
  t.equal(only.match('PROPFIND', '/any/where')?.path, '/');
  t.equal(only.match('GET', '/')?.path, '/');
});

/** Issue 12: a path with `;` parameters must find the same rule without them, or it is refused. */
const withParameters: { path: string; expected?: string; refused?: boolean }[] = [
  { path: '/originals/a;b.jpg', expected: 'files' },
  { path: '/api/v1/photos/p1;v=2', expected: 'photos' },
  { path: '/api/v1/t/tok;en/x', expected: 'public' },
  { path: '/api/v1/photos/p1/a%3Bb', expected: 'photos' },
  { path: '/api/v1/users/u1/password;x', refused: true },
  { path: '/api/v1/users/u1/password%3Bx', refused: true },
  { path: '/api/v1/users;x/u1', refused: true },
  { path: '/api/v1/albums/a1/t;x/tok', refused: true },
  { path: '/originals;x/a.jpg', refused: true },
  { path: '/api/v1/metrics;/originals', refused: true },
];

for (const c of withParameters) {
  t.test(`path parameters: ${c.path}`, async (t) => {
    if (c.refused) {
      t.throws(() => table.match('GET', c.path), { code: 'invalid_request', status: 400 });
      return;
    }
    const rule = table.match('GET', c.path);
    t.equal(rule === undefined ? undefined : rule.access.kind === 'scope' ? rule.access.resource : rule.access.kind, c.expected);
  });
}

t.test('a rule naming a host decides that host alone', async (t) => {
  const hosts = createRouteTable(defaultRouteRules, [
    { path: '/', scope: 'grafana', host: 'grafana.example' },
    { path: '/admin', scope: 'grafana-admin', host: 'grafana.example' },
    { path: '/', scope: 'wiki', host: 'wiki.example:8443' },
  ]);
  const rows: { name: string; host: string | undefined; path: string; expected: string | undefined }[] = [
    { name: 'its own rule', host: 'grafana.example', path: '/d/x', expected: 'grafana' },
    { name: 'most specific within the host', host: 'grafana.example', path: '/admin/users', expected: 'grafana-admin' },
    { name: 'case-insensitive, port ignored when the rule names none', host: 'GRAFANA.example:3000', path: '/d/x', expected: 'grafana' },
    { name: "another host's rules never apply", host: 'grafana.example', path: '/api/v1/photos', expected: 'grafana' },
    { name: 'a rule naming a port needs it', host: 'wiki.example:8443', path: '/x', expected: 'wiki' },
    { name: 'the same name on another port: the rules without a host', host: 'wiki.example', path: '/x', expected: undefined },
    { name: 'an unknown host: the rules without a host', host: 'photos.example', path: '/api/v1/photos', expected: 'photos' },
    { name: 'no host: the rules without a host', host: undefined, path: '/api/v1/photos', expected: 'photos' },
    { name: 'IPv6 literal with a port', host: '[::1]:8080', path: '/api/v1/photos', expected: 'photos' },
  ];
  for (const row of rows) {
    const rule = hosts.match('GET', row.path, row.host);
    t.equal(rule === undefined ? undefined : rule.access.kind === 'scope' ? rule.access.resource : rule.access.kind, row.expected, row.name);
  }
  t.ok(hosts.resources.has('grafana'), "a host's resources are resources too");
  // Issue 12 within a host's rules: parameters that change which of that host's rules decides are refused.
  t.throws(() => hosts.match('GET', '/admin;x/users', 'grafana.example'), { code: 'invalid_request', status: 400 }, 'a host rule reached by ; parameters');
  t.equal(hosts.match('GET', '/admin/users;v=2', 'grafana.example')?.path, '/admin', 'parameters that keep the host rule pass');
  t.throws(() => hosts.match('GET', '/api/v1/users;x/u1', 'photos.example'), { code: 'invalid_request', status: 400 }, 'the rules without a host, for an unknown host');
});
