/**
 * Forward-auth through real proxies: nginx `auth_request` and Caddy `forward_auth`, each
 * configured with README.md's block as written (addresses aside), in front of the echo upstream,
 * asking a real `photogate start` process. Real clients and credentials (curl with a Bearer token
 * and a Basic app password, fetch), then a table of path tricks sent byte for byte through each
 * proxy and straight to photogate as a gateway: whatever reaches the upstream through a proxy,
 * photogate alone would have let through too, to the same canonical path.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { canonicalizeTarget } from '../../src/access/canonical-path.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { rawRequest } from '../helpers/raw-http.js';
import { type Proxy, readmeBlock, startCaddy, startNginx } from './helpers/forward-auth-proxies.js';
import { startInteropGateway } from './helpers/interop-gateway.js';
import { requireTool, tools } from './helpers/require-tool.js';

t.setTimeout(180_000);

function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tools.curl.command, ['-sS', ...args], { timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Ways to reach another resource from `/api/v1/photos`, or to smuggle a path past a matcher. */
const tricks = [
  '/api/v1/photos',
  '/api/v1/photos/',
  '/api/v1/photos/pq1?x=/../albums',
  '/api/v1/photos/a%20b%C3%A9',
  '/api/v1/albums',
  '/api/v1/photos/../albums',
  '/api/v1/albums/../photos',
  '/api/v1/albums/%2e%2e/photos',
  '/api/v1/albums/x/..%2f../photos',
  '/api/v1/albums//../photos',
  '/api/v1/photos/%2e%2e/albums',
  '/api/v1/photos/%2E%2E/albums',
  '/api/v1/photos/.%2e/albums',
  '/api/v1/photos/..%2falbums',
  '/api/v1/photos/%2e%2e%2falbums',
  '/api/v1/photos%2f..%2falbums',
  '/api/v1/photos/%252e%252e/albums',
  '/api/v1/photos/..;/albums',
  '/api/v1/photos;/../albums',
  '/api/v1/photos//../albums',
  '/api/v1/photos/x/../../albums',
  '/api/v1/photos/..\\albums',
  '/api/v1/photos/%5c..%5calbums',
  '/api/v1/photos/%00/../albums',
  '/api/v1/photos#/../albums',
  '/api/v1/photos/%23/../../albums',
  '/api/v1/%61lbums',
  '/api/v1/%70hotos',
  '//api/v1/albums',
  '/./api/v1/albums',
  '/API/v1/albums',
  '/api/v1/photos/../../originals/x.jpg',
  '/api/v1/photos/../users/u1',
  '/api/v1/photos/..%00/albums',
  '/api/v1/photos/p1;v=2',
  '/api/v1/t/..;/users',
  '/api/v1/users;x/u1',
  'http://127.0.0.1/api/v1/albums',
  '*',
];

t.test('nginx auth_request and Caddy forward_auth with the README blocks', async (t) => {
  for (const tool of [tools.curl, tools.nginx, tools.caddy]) t.comment(await requireTool(tool));
  const dir = t.testdir({ gateway: {}, nginx: {}, caddy: {} });
  const upstream = await startEchoUpstream(t);
  const gw = await startInteropGateway(t, {
    upstream: upstream.url,
    dir: join(dir, 'gateway'),
    routes: 'builtin',
    // nginx names its server (grafana.example.org) in X-Forwarded-Host whatever the client's Host;
    // that host gets PhotoPrism's rules for the paths the tricks aim at, so its answers can be
    // compared with the gateway's own (which never uses a host's rules).
    extraRules: [
      ['/d', 'grafana'], ['/api/v1/photos', 'photos'], ['/api/v1/albums', 'albums'], ['/api/v1/users', 'users'],
      ['/api/v1/users/*/password', 'password'], ['/originals', 'webdav'],
    ].map(([path, scope]) => `    - path: ${path}\n      scope: ${scope}\n      host: grafana.example.org\n`).join(''),
    extraYaml: 'trustedProxies: [127.0.0.1]\n',
  });
  await gw.addUser('alice', 'alice-password', { webdav: true });
  const token = (await gw.cli<{ token: string; id: string }>(['auth', 'add', '-n', 'proxy', '-s', 'photos'])).token;
  const appPassword = await gw.addAppPassword('alice', 'webdav');
  const grafanaPassword = await gw.addAppPassword('alice', 'grafana');
  const addresses = { photogate: new URL(gw.url).host, app: new URL(upstream.url).host };
  const proxies: [string, Proxy][] = [
    ['nginx', await startNginx(t, join(dir, 'nginx'), await readmeBlock('nginx'), addresses)],
    ['caddy', await startCaddy(t, join(dir, 'caddy'), await readmeBlock('caddyfile'), addresses)],
  ];

  for (const [name, proxy] of proxies) {
    await t.test(`${name}: real clients and credentials`, async (t) => {
      let before = upstream.seen.length;
      const bearer = await curl(['-f', '-H', `Authorization: Bearer ${token}`, `${proxy.origin}/api/v1/photos?count=2`]);
      t.equal(bearer.code, 0, 'curl with a Bearer token succeeds', { stderr: bearer.stderr, output: proxy.output() });
      const seen = upstream.last();
      t.equal(upstream.seen.length, before + 1, 'the app got the request once');
      t.equal(seen?.url, '/api/v1/photos?count=2', 'as sent');
      t.equal(seen?.headers.authorization, undefined, 'without the credential');
      t.equal(seen?.headers['x-forwarded-scope'], 'photos', 'with the scope photogate answered');
      t.match(seen?.headers['x-forwarded-client'], /\S/, 'and the credential reference');
      t.notOk(seen?.headers['x-forwarded-user'], 'and no user for a token without one (absent, or empty as Caddy copies it)');

      before = upstream.seen.length;
      const basic = await curl(['-f', '-X', 'PROPFIND', '-H', 'Depth: 1', '-u', `alice:${appPassword}`, `${proxy.origin}/originals/`]);
      t.equal(basic.code, 0, 'curl with a Basic app password succeeds', { stderr: basic.stderr });
      t.equal(upstream.seen.length, before + 1);
      t.equal(upstream.last()?.method, 'PROPFIND');
      t.equal(upstream.last()?.headers['x-forwarded-user'], 'alice', 'the app learns the user');
      t.equal(upstream.last()?.headers.authorization, undefined, 'not the app password');

      before = upstream.seen.length;
      const anonymous = await fetch(`${proxy.origin}/api/v1/photos`);
      t.equal(anonymous.status, 401, 'fetch without a credential: 401');
      t.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="photogate"', "with the gateway's challenge");
      const dav = await fetch(`${proxy.origin}/originals/`, { method: 'PROPFIND' });
      t.equal(dav.status, 401);
      t.match(dav.headers.get('www-authenticate'), /^Basic realm="photogate"/, 'Basic on WebDAV paths, so file managers ask for a password');
      const outside = await fetch(`${proxy.origin}/api/v1/albums`, { headers: { authorization: `Bearer ${token}` } });
      t.equal(outside.status, 403, 'a token outside its scope: 403');
      const spoofed = await fetch(`${proxy.origin}/api/v1/photos`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-user': 'admin' } });
      t.equal(spoofed.status, 200);
      t.notOk(upstream.last()?.headers['x-forwarded-user'], 'a client-sent X-Forwarded-User never reaches the app');
      for (const name of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
        const override = await rawRequest(proxy.origin, 'GET /api/v1/photos HTTP/1.1', [`Authorization: Bearer ${token}`, `${name}: DELETE`]);
        t.not(override.status, 200, `${name}: refused (photogate answers 400; the proxy passes it on or, nginx, answers 500)`);
      }
      t.equal(upstream.seen.length, before + 1, 'only the allowed request reached the app');

      before = upstream.seen.length;
      const grafana = await curl(['-f', '-H', 'Host: grafana.example.org', '-u', `alice:${grafanaPassword}`, `${proxy.origin}/d/home`]);
      t.equal(grafana.code, 0, "another app's host is decided by its own rule", { stderr: grafana.stderr });
      t.equal(upstream.last()?.headers['x-forwarded-scope'], 'grafana');
      const wrongApp = await rawRequest(proxy.origin, 'GET /d/home HTTP/1.1', ['Host: grafana.example.org', `Authorization: Bearer ${token}`]);
      t.equal(wrongApp.status, 403, "a photos token on grafana's pages: 403");
      t.equal(upstream.seen.length, before + 1);
      if (name === 'nginx') {
        // /s/... is public in the rules without a host; grafana's host has no such rule.
        const otherHost = await rawRequest(proxy.origin, 'GET /s/share HTTP/1.1', ['Host: photos.example.org']);
        t.equal(otherHost.status, 403, "another Host sent to nginx's server is still judged by that server's rules");
        t.equal(upstream.seen.length, before + 1, 'and never reaches the app');
      }
    });

    await t.test(`${name}: path tricks never get more through the proxy than photogate alone allows`, async (t) => {
      const table: string[] = [];
      for (const trick of tricks) {
        const credential = [`Authorization: Bearer ${token}`];
        let before = upstream.seen.length;
        const direct = await rawRequest(gw.url, `GET ${trick} HTTP/1.1`, credential);
        const directPath = upstream.seen.length > before ? upstream.last()?.url : undefined;
        before = upstream.seen.length;
        const proxied = await rawRequest(proxy.origin, `GET ${trick} HTTP/1.1`, credential);
        const reached = upstream.seen.length > before ? upstream.last()?.url : undefined;
        table.push(`${trick.padEnd(40)} photogate ${direct.status} ${name} ${proxied.status} ${reached ?? '-'}`);
        if (reached === undefined) {
          t.not(proxied.status, 200, `${trick}: refused through ${name}`);
          continue;
        }
        t.equal(direct.status, 200, `${trick}: reached the app through ${name}, so photogate alone allows it too`);
        const canonical = canonicalizeTarget(reached);
        t.equal(`${canonical.path}${canonical.query}`, reached, `${trick}: the app got a canonical target, as decided`);
        t.equal(reached, directPath, `${trick}: the same target photogate would forward`);
      }
      t.comment(`trick through ${name}: statuses and what reached the app\n${table.join('\n')}`);
    });
  }
});
