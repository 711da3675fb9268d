/**
 * `photogate store migrate` and `photogate store copy`, and the other commands on a PostgreSQL
 * store through PHOTOGATE_STORE_URL, against a real PostgreSQL (test/helpers/postgres-server.ts).
 */
import { join } from 'node:path';
import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { openFileStore } from '../../src/store/file-store.js';
import { migrations } from '../../src/store/pg/pg-migrations.js';
import { makeClient, makeToken, makeUser } from '../fixtures/store/records.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { runCli } from '../helpers/run-cli.js';

const server = await startPostgres(t);

t.test('store migrate --dry-run prints what is pending and changes nothing; migrate applies it once', async (t) => {
  const url = await server.createDatabase();
  const env = { PHOTOGATE_STORE_URL: url };
  for (let i = 0; i < 2; i++) {
    const dry = await runCli(['store', 'migrate', '--dry-run'], { env });
    t.equal(dry.code, 0, dry.stderr);
    for (const m of migrations) t.match(dry.stdout, `-- pending ${m.version}: ${m.name}`);
    t.match(dry.stdout, 'CREATE TABLE photogate_tokens');
  }
  const applied = await runCli(['store', 'migrate', '--json'], { env });
  t.same(JSON.parse(applied.stdout), migrations.map(({ version, name }) => ({ version, name })));
  t.match((await runCli(['store', 'migrate', '--dry-run'], { env })).stdout, /up to date/);
  t.match((await runCli(['store', 'migrate'], { env })).stdout, /up to date/);
});

t.test('the CLI works on a PostgreSQL store, through PHOTOGATE_STORE_URL or --store URL', async (t) => {
  const url = await server.createDatabase();
  const add = await runCli(['users', 'add', 'bob', '--password', 'password1'], { env: { PHOTOGATE_STORE_URL: url } });
  t.equal(add.code, 0, add.stderr);
  t.match((await runCli(['users', 'ls', '--store', url])).stdout, /\| bob +\| user/);
  t.notMatch((await runCli(['users', 'ls', '--store', join(t.testdir(), 'store.json')])).stdout, /bob/, 'a file given with --store is the file store');
});

t.test('store copy: file to PostgreSQL and back, every user, client and live token, counts checked', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'store.json');
  const source = await openFileStore({ path: file, clock: systemClock, watch: false });
  await source.addUser(makeUser('alice'));
  await source.addUser(makeUser('bob', { role: 'admin' }));
  await source.addClient(makeClient('c1', { username: 'alice', redirectUris: ['https://a.example/cb'] }));
  const later = Math.floor(Date.now() / 1000) + 3600;
  await source.addToken(makeToken('t1', { username: 'alice', kind: 'app_password' }));
  await source.addToken(makeToken('t2', { clientId: 'c1', expiresAt: later, familyId: 'f1' }));
  await source.addToken(makeToken('t3', { kind: 'refresh_token', clientId: 'c1', familyId: 'f1', usedAt: 1500, expiresAt: later }));
  await source.addToken(makeToken('old', { expiresAt: 1000 }));
  // Signing keys: one past its publication (not copied), one retired but still published, the one that signs.
  const signingKey = (kid: string, createdAt: number) => ({ kid, alg: 'RS256' as const, publicJwk: `{"kty":"RSA","n":"${kid}","e":"AQAB"}`, privateJwe: `${kid}..iv.ct.tag`, createdAt, publishedUntil: null });
  await source.addSigningKey(signingKey('k-gone', 1000), { publishedUntil: 1000, nowSeconds: 1000 });
  await source.addSigningKey(signingKey('k-old', 1500), { publishedUntil: 2000, nowSeconds: 1500 });
  await source.addSigningKey(signingKey('k-new', 1600), { publishedUntil: later, nowSeconds: 1600 });
  const expected = {
    users: await source.listUsers(),
    clients: await source.listClients(),
    tokens: (await source.listTokens()).filter((token) => token.id !== 'old'),
    signingKeys: (await source.listSigningKeys()).filter((key) => key.kid !== 'k-gone'),
  };
  t.same(
    (await source.listSigningKeys()).map((key) => key.kid),
    ['k-gone', 'k-old', 'k-new'],
  );
  await source.close();

  const url = await server.createDatabase();
  const there = await runCli(['store', 'copy', '--from', file, '--to', url]);
  t.equal(there.code, 0, there.stderr);
  t.match(there.stdout, 'copied 2 users, 1 clients, 3 tokens, 2 signing keys (1 expired tokens skipped)');
  const again = await runCli(['store', 'copy', '--from', file, '--to', url]);
  t.equal(again.code, 1, 'a store that is not empty is refused');
  t.match(again.stderr, /is not empty \(2 users, 1 clients, 3 tokens, 2 signing keys\)/);

  const back = join(dir, 'back.json');
  const returned = await runCli(['store', 'copy', '--from', url, '--to', back, '--json']);
  t.equal(returned.code, 0, returned.stderr);
  t.same(JSON.parse(returned.stdout), {
    copied: { users: 2, clients: 1, tokens: 3, signingKeys: 2 },
    found: { users: 2, clients: 1, tokens: 3, signingKeys: 2 },
    expiredSkipped: 0,
  });
  const copy = await openFileStore({ path: back, clock: systemClock, watch: false });
  t.teardown(() => copy.close());
  t.same(await copy.listUsers(), expected.users, 'every field of every user');
  t.same(await copy.listClients(), expected.clients);
  t.same(await copy.listTokens(), expected.tokens);
  t.same(await copy.listSigningKeys(), expected.signingKeys, 'the published signing keys, the newest still signing, the retired one published as long');

  const usage = await runCli(['store', 'copy', '--from', file]);
  t.equal(usage.code, 2);
});
