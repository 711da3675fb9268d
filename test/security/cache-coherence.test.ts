/**
 * A cached credential never outlives what makes it valid (issue 5 point 5): revocation,
 * deletion, password change, role change, client disable and expiry take effect on the very
 * next request in this process, although every credential was validated (and cached) first.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { basic, startTestGateway, type TestGateway, testHasher } from '../helpers/test-gateway.js';

interface Case {
  name: string;
  /** Creates the credential; resolves to its Authorization header and the change to make. */
  setUp(gw: TestGateway): Promise<{ authorization: string; change: () => Promise<unknown> }>;
  path?: string;
}

const cases: Case[] = [
  {
    name: 'app password revoked',
    async setUp(gw) {
      const { secret, record } = await gw.addAppPassword('alice', '*');
      return { authorization: basic('alice', secret), change: () => gw.store.removeToken(record.id) };
    },
  },
  {
    name: 'access token revoked',
    async setUp(gw) {
      const { secret, record } = await gw.addAccessToken('*');
      return { authorization: `Bearer ${secret}`, change: () => gw.store.removeToken(record.id) };
    },
  },
  {
    name: 'user deleted (password)',
    async setUp(gw) {
      return { authorization: basic('bob', 'bob-password'), change: () => gw.store.removeUser('bob') };
    },
  },
  {
    name: 'user deleted (app password)',
    async setUp(gw) {
      const { secret } = await gw.addAppPassword('bob', '*');
      return { authorization: `Bearer ${secret}`, change: () => gw.store.removeUser('bob') };
    },
  },
  {
    name: 'password changed',
    async setUp(gw) {
      const passwordHash = await testHasher.hash('new-password');
      return { authorization: basic('bob', 'bob-password'), change: () => gw.store.updateUser('bob', { passwordHash }, Math.floor(Date.now() / 1000)) };
    },
  },
  {
    name: 'WebDAV access taken away',
    path: '/originals/x',
    async setUp(gw) {
      return { authorization: basic('alice', 'alice-password'), change: () => gw.store.updateUser('alice', { webdav: false }, Math.floor(Date.now() / 1000)) };
    },
  },
  {
    name: 'client disabled',
    async setUp(gw) {
      const { clientId, secret } = await gw.addClient({ scope: '*' });
      const res = await fetch(`${gw.url}/api/v1/oauth/token`, {
        method: 'POST',
        headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await res.json()) as { access_token: string };
      return { authorization: `Bearer ${access_token}`, change: () => gw.store.updateClient(clientId, { enabled: false }, Math.floor(Date.now() / 1000)) };
    },
  },
];

t.test('changes take effect on the next request', async (t) => {
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const upstream = await startEchoUpstream(t);
      const gw = await startTestGateway(t, { upstream: upstream.url });
      await gw.addUser('alice', 'alice-password', { role: 'admin' });
      await gw.addUser('bob', 'bob-password', { role: 'admin' });
      const { authorization, change } = await c.setUp(gw);
      const get = async () => (await fetch(`${gw.url}${c.path ?? '/api/v1/photos'}`, { headers: { authorization } })).status;
      t.equal(await get(), 200, 'valid');
      t.equal(await get(), 200, 'valid and cached');
      await change();
      t.not(await get(), 200, 'refused on the very next request');
    });
  }
});

t.test('expiry: refused at the second it expires, cached or not', async (t) => {
  const upstream = await startEchoUpstream(t);
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const { secret } = await gw.addAppPassword('alice', '*', { ttlSeconds: 30 });
  const get = async () => (await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', secret) } })).status;
  t.equal(await get(), 200);
  clock.advance(29_000);
  t.equal(await get(), 200);
  clock.advance(1_000);
  t.equal(await get(), 401);
});
