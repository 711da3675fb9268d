/**
 * A stand-in for the upstream's metrics endpoint: `/api/v1/metrics` answers the Prometheus text
 * exposition format (version 0.0.4), with a counter of the scrapes it served, so a test can see
 * Prometheus parsed it. Every other path answers 200 JSON, so a 403 there can only come from the
 * gateway. It records the headers of every request it got.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export interface MetricsUpstream {
  url: string;
  seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
}

export const metricsPath = '/api/v1/metrics';

export async function startMetricsUpstream(t: Test): Promise<MetricsUpstream> {
  const seen: MetricsUpstream['seen'] = [];
  let scrapes = 0;
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    if (req.url?.split('?')[0] === metricsPath) {
      scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(
        [
          '# HELP interop_upstream_scrapes_total Scrapes of the metrics path the upstream answered.',
          '# TYPE interop_upstream_scrapes_total counter',
          `interop_upstream_scrapes_total ${scrapes}`,
          '# HELP interop_upstream_up Always 1.',
          '# TYPE interop_upstream_up gauge',
          'interop_upstream_up{upstream="interop"} 1',
          '',
        ].join('\n'),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
