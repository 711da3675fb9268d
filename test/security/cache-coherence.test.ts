/**
 * A cached credential never outlives what makes it valid (issue 5 point 5): revocation,
 * deletion, password change, role change, disabling a user, client disable and expiry take effect on the very
 * next request in this process, and within one second when the change is made by the CLI (a
 * real `photogate` process writing the same store file), although every credential was
 * validated (and cached) first.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { runCli } from '../helpers/run-cli.js';
import { basic, startSession, startTestGateway, type TestGateway, testHasher } from '../helpers/test-gateway.js';

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
    name: 'user disabled (app password)',
    async setUp(gw) {
      const { secret } = await gw.addAppPassword('bob', '*');
      return { authorization: `Bearer ${secret}`, change: () => gw.store.updateUser('bob', { disabled: true }, Math.floor(Date.now() / 1000)) };
    },
  },
  {
    name: 'user disabled (password)',
    async setUp(gw) {
      return { authorization: basic('bob', 'bob-password'), change: () => gw.store.updateUser('bob', { disabled: true }, Math.floor(Date.now() / 1000)) };
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

interface CliCase {
  name: string;
  path?: string;
  /** Creates the credential in the running gateway; resolves to its header and the CLI command that ends it. */
  setUp(gw: TestGateway): Promise<{ authorization: string; command: string[] }>;
}

const clientToken = async (gw: TestGateway, clientId: string, secret: string) => {
  const res = await fetch(`${gw.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
};

const cliCases: CliCase[] = [
  {
    name: 'auth rm: an access token',
    async setUp(gw) {
      const { secret, record } = await gw.addAccessToken('*');
      return { authorization: `Bearer ${secret}`, command: ['auth', 'rm', record.id, '--yes'] };
    },
  },
  {
    name: 'auth rm: an app password',
    async setUp(gw) {
      const { secret, record } = await gw.addAppPassword('bob', '*');
      return { authorization: basic('bob', secret), command: ['auth', 'rm', record.id, '--yes'] };
    },
  },
  {
    name: 'auth reset: a session',
    async setUp(gw) {
      return { authorization: `Bearer ${await startSession(gw, 'bob', 'bob-password')}`, command: ['auth', 'reset', '--yes'] };
    },
  },
  {
    name: 'users rm: the password',
    async setUp() {
      return { authorization: basic('bob', 'bob-password'), command: ['users', 'rm', 'bob', '--yes'] };
    },
  },
  {
    name: 'users rm: an app password of the user',
    async setUp(gw) {
      const { secret } = await gw.addAppPassword('bob', '*');
      return { authorization: `Bearer ${secret}`, command: ['users', 'rm', 'bob', '--yes'] };
    },
  },
  {
    name: 'users passwd',
    async setUp() {
      return { authorization: basic('bob', 'bob-password'), command: ['users', 'passwd', 'bob', '--password', 'another-password'] };
    },
  },
  {
    name: 'users disable: an app password of the user',
    async setUp(gw) {
      const { secret } = await gw.addAppPassword('bob', '*');
      return { authorization: basic('bob', secret), command: ['users', 'disable', 'bob'] };
    },
  },
  {
    name: 'users mod --no-webdav',
    path: '/originals/x',
    async setUp() {
      return { authorization: basic('bob', 'bob-password'), command: ['users', 'mod', 'bob', '--no-webdav'] };
    },
  },
  {
    name: 'users mod --role user (account management)',
    path: '/api/v1/users',
    async setUp() {
      return { authorization: basic('bob', 'bob-password'), command: ['users', 'mod', 'bob', '--role', 'user'] };
    },
  },
  {
    name: 'clients mod --disable',
    async setUp(gw) {
      const { clientId, secret } = await gw.addClient({ scope: '*' });
      return { authorization: await clientToken(gw, clientId, secret), command: ['clients', 'mod', clientId, '--disable'] };
    },
  },
  {
    name: 'clients rm',
    async setUp(gw) {
      const { clientId, secret } = await gw.addClient({ scope: '*' });
      return { authorization: await clientToken(gw, clientId, secret), command: ['clients', 'rm', clientId, '--yes'] };
    },
  },
  {
    name: 'clients reset',
    async setUp(gw) {
      const { clientId, secret } = await gw.addClient({ scope: '*' });
      return { authorization: await clientToken(gw, clientId, secret), command: ['clients', 'reset', '--yes'] };
    },
  },
];

t.test('changes made by the CLI take effect within a second', async (t) => {
  for (const c of cliCases) {
    await t.test(c.name, async (t) => {
      const upstream = await startEchoUpstream(t);
      const gw = await startTestGateway(t, { upstream: upstream.url });
      await gw.addUser('bob', 'bob-password', { role: 'admin' });
      // Not the last admin: the CLI keeps one (account/user-admin-actions.ts).
      await gw.addUser('root', 'root-password', { role: 'admin' });
      const { authorization, command } = await c.setUp(gw);
      const get = async () => (await fetch(`${gw.url}${c.path ?? '/api/v1/photos'}`, { headers: { authorization } })).status;
      t.equal(await get(), 200, 'valid');
      t.equal(await get(), 200, 'valid and cached');
      const result = await runCli([...command, '--store', gw.storePath]);
      t.equal(result.code, 0, `photogate ${command.join(' ')}: ${result.stderr}`);
      const changed = performance.now();
      let status = await get();
      while (status === 200 && performance.now() - changed < 1000) {
        await new Promise((r) => setTimeout(r, 20));
        status = await get();
      }
      t.not(status, 200, `refused ${Math.round(performance.now() - changed)} ms after the CLI returned (${status})`);
    });
  }
});
