/**
 * Prometheus scrapes the upstream's metrics path (`/api/v1/metrics`, the `metrics` resource of
 * the built-in route rules) through a `photogate start` process, fetching its own tokens with
 * its `oauth2` client_credentials configuration (RFC 6749 §4.4) from the gateway's token
 * endpoint, as a client created with the CLI and limited to the `metrics` scope. The target is
 * `up`, the upstream's samples arrive, the upstream never sees a credential, and the same
 * client's token is refused (403) on `/api/v1/photos`.
 */
import { join } from 'node:path';
import t from 'tap';
import { startInteropGateway } from './helpers/interop-gateway.js';
import { metricsPath, startMetricsUpstream } from './helpers/metrics-upstream.js';
import { startPrometheus } from './helpers/prometheus.js';
import { requireTool, tools } from './helpers/require-tool.js';

t.setTimeout(180_000);

t.test('Prometheus scrapes the upstream through photogate with oauth2 client_credentials', async (t) => {
  t.comment(await requireTool(tools.prometheus));
  const dir = t.testdir({ gateway: {}, prometheus: {} });
  const upstream = await startMetricsUpstream(t);
  const gw = await startInteropGateway(t, { upstream: upstream.url, dir: join(dir, 'gateway'), routes: 'builtin' });
  const client = await gw.addClient('prometheus', 'metrics');
  const tokenUrl = `${gw.url}/api/v1/oauth/token`;

  const prometheus = await startPrometheus(
    t,
    join(dir, 'prometheus'),
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: photogate
    metrics_path: ${metricsPath}
    oauth2:
      client_id: ${client.clientId}
      client_secret_file: client-secret
      token_url: ${tokenUrl}
      scopes: [metrics]
    static_configs:
      - targets: ['${new URL(gw.url).host}']
`,
    { 'client-secret': client.clientSecret },
  );

  // Bounded polling: a 1 s scrape interval should report within a few seconds.
  const deadline = Date.now() + 60_000;
  let up: string | undefined;
  let scraped: string | undefined;
  while (Date.now() < deadline) {
    up = (await prometheus.query('up{job="photogate"}'))[0]?.value[1];
    scraped = (await prometheus.query('interop_upstream_up{job="photogate"}'))[0]?.value[1];
    if (up === '1' && scraped === '1') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const targets = await (await fetch(`${prometheus.url}/api/v1/targets`)).json();
  t.equal(up, '1', 'the scrape target is up', { targets, prometheus: prometheus.output(), gateway: gw.stderr() });
  t.equal(scraped, '1', "the upstream's samples reached Prometheus");

  const scrapes = upstream.seen.filter((request) => request.url === metricsPath);
  t.ok(scrapes.length > 0, 'the upstream answered scrapes on its metrics path');
  t.ok(
    scrapes.every((request) => request.headers.authorization === undefined && request.headers['x-forwarded-client'] === client.clientId),
    "each scrape reached the upstream as Prometheus's client, its token removed",
  );
  t.equal(scrapes[0]?.headers['x-forwarded-scope'], 'metrics', 'with the scope metrics');

  // The same client, asking for a token itself: metrics yes, photos no.
  const tokenResponse = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  t.equal(tokenResponse.status, 200, 'the client gets a token');
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const before = upstream.seen.length;
  const photos = await fetch(`${gw.url}/api/v1/photos?count=1`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(photos.status, 403, "the metrics client's token is refused on /api/v1/photos");
  t.equal(((await photos.json()) as { error: string }).error, 'insufficient_scope', 'as insufficient_scope (RFC 6750 §3.1)');
  t.notOk(upstream.seen.slice(before).some((request) => request.url.startsWith('/api/v1/photos')), 'the refused request never reached the upstream');
  const metrics = await fetch(`${gw.url}${metricsPath}`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(metrics.status, 200, 'and accepted on the metrics path');
  t.match(await metrics.text(), /^interop_upstream_up\{upstream="interop"\} 1$/m, "with the upstream's metrics");
});
