/**
 * The metrics an operator alerts on (issue 16 point 6), read from /metrics of a real gateway
 * after real requests: requests by rule resource and status, auth outcomes, cache hits and
 * misses, upstream latency and errors, store writes.
 */
import t from 'tap';
import { findFreePort } from '../helpers/daemon.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startTestGateway } from '../helpers/test-gateway.js';

t.test('metrics by resource, auth outcome, cache, upstream and store', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const scraper = await gw.addAccessToken('metrics');
  const photos = await gw.addAccessToken('photos');
  const client = await gw.addClient({ scope: 'photos' });
  const get = (path: string, authorization?: string) => fetch(`${gw.url}${path}`, { headers: authorization ? { authorization } : {} });

  for (let i = 0; i < 3; i++) t.equal((await get('/api/v1/photos/x', `Bearer ${photos.secret}`)).status, 200);
  t.equal((await get('/api/v1/albums', `Bearer ${photos.secret}`)).status, 403);
  t.equal((await get('/nothing')).status, 403);
  t.equal((await get('/api/v1/photos/a%2Fb')).status, 400);
  t.equal((await get('/api/v1/photos', 'Bearer not-a-token')).status, 401);
  const token = await fetch(`${gw.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  t.equal(token.status, 200);

  const text = await (await get('/metrics', `Bearer ${scraper.secret}`)).text();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  t.equal(value('photogate_requests_total{kind="proxy",resource="photos",status="200"}'), 3);
  t.equal(value('photogate_requests_total{kind="proxy",resource="albums",status="403"}'), 1, 'a refusal counts under the rule that decided');
  t.equal(value('photogate_requests_total{kind="proxy",resource="unmapped",status="403"}'), 1);
  t.equal(value('photogate_requests_total{kind="proxy",resource="refused",status="400"}'), 1);
  t.equal(value('photogate_requests_total{kind="endpoint",resource="/api/v1/oauth/token",status="200"}'), 1);
  t.equal(value('photogate_auth_total{credential="access_token",outcome="success"}'), 5, 'three photos, one albums, and this scrape');
  t.equal(value('photogate_auth_total{credential="token",outcome="rejected"}'), 1);
  t.equal(value('photogate_credential_cache_lookups_total{result="miss"}'), 3, 'photos token, bad token, scraper token');
  t.equal(value('photogate_credential_cache_lookups_total{result="hit"}'), 3);
  t.equal(value('photogate_upstream_response_seconds_count'), 3);
  t.ok(value('photogate_store_write_seconds_count{operation="addToken"}') >= 1, 'the issued token was a measured store write');
  t.notMatch(text, /photogate_requests_total\{[^}]*(a%2Fb|nothing|x")/, 'no path in any label');
});

t.test('upstream errors by kind', async (t) => {
  const down = `http://127.0.0.1:${await findFreePort()}`;
  const gw = await startTestGateway(t, { upstream: down });
  const scraper = await gw.addAccessToken('metrics');
  const photos = await gw.addAccessToken('photos');
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${photos.secret}` } })).status, 502);
  const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${scraper.secret}` } })).text();
  t.match(text, /^photogate_upstream_errors_total\{error="bad_gateway"\} 1$/m);
  t.match(text, /^photogate_requests_total\{kind="proxy",resource="photos",status="502"\} 1$/m);
});
