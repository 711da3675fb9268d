/**
 * Failed Basic password checks on proxied requests are limited per client address and per
 * account (PRODUCT.md "rate limits"): 429 with Retry-After before any more hashing, while a
 * client that already holds a valid, cached credential keeps working.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

t.test('per address: a burst, then 1 a minute; cached credentials unaffected', async (t) => {
  const upstream = await startEchoUpstream(t);
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const get = (auth: string) => fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: auth } });

  t.equal((await get(basic('alice', 'alice-password'))).status, 200, 'valid, now cached');
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await get(basic('mallory', `guess-${i}`))).status);
  t.same(statuses, [...Array(10).fill(401), 429, 429], 'ten failures, then 429');
  const limited = await get(basic('mallory', 'guess-x'));
  t.equal(limited.status, 429);
  t.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
  t.equal(((await limited.json()) as { error: string }).error, 'too_many_requests');

  t.equal((await get(basic('alice', 'alice-password'))).status, 200, 'a cached valid credential is never locked out');
  t.equal((await get(basic('alice', 'another-guess'))).status, 429, 'uncached checks from the address wait');
  clock.advance(61_000);
  t.equal((await get(basic('mallory', 'guess-after-a-minute'))).status, 401, 'one more attempt a minute later');
  t.equal((await get(basic('mallory', 'and-another'))).status, 429);
});
