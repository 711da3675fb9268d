/**
 * `photogate store migrate` and `photogate store copy`, and the other commands on a PostgreSQL
 * store through PHOTOGATE_STORE_URL, against a real PostgreSQL (test/helpers/postgres-server.ts).
 */
import { join } from 'node:path';
import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { openFileStore } from '../../src/store/file-store.js';
import { openPgStore } from '../../src/store/pg/pg-store.js';
import { createSecretBox } from '../../src/two-factor/secret-box.js';
import { migrations } from '../../src/store/pg/pg-migrations.js';
import { makeClient, makeToken, makeUser } from '../fixtures/store/records.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { cliEnv, runCli } from '../helpers/run-cli.js';

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

t.test('store copy keeps two-factor working: the sealed secret goes with its key file, or the copy stops before writing', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'store.json');
  const source = await openFileStore({ path: file, clock: systemClock, watch: false });
  const sealedSecret = await createSecretBox(`${file}.key`).seal('JBSWY3DPEHPK3PXP', 'alice');
  const twoFactor = { sealedSecret, sealedRecoveryCodes: null, recoveryCodeDigests: ['a'.repeat(64)], verifiedAt: 1000, activatedAt: 1000, lastStep: 0 };
  await source.addUser(makeUser('alice', { twoFactor }));
  await source.close();
  const url = await server.createDatabase();
  const opens = async (users: readonly { username: string; twoFactor?: { sealedSecret: string } | null }[], keyFile: string) =>
    createSecretBox(keyFile).open(users[0]?.twoFactor?.sealedSecret ?? '', 'alice');

  const noKey = await runCli(['store', 'copy', '--from', file, '--to', url]);
  t.equal(noKey.code, 1, 'a postgres:// target without twoFactor.keyFile is refused');
  t.match(noKey.stderr, `sealed with ${file}.key; set twoFactor.keyFile`);
  const keyFile = join(dir, 'two-factor.key');
  const env = cliEnv({ PHOTOGATE_TWO_FACTOR_KEY_FILE: `${file}.key` });
  const there = await runCli(['store', 'copy', '--from', file, '--to', url], { env });
  t.equal(there.code, 0, `nothing was written by the refused copy: ${there.stderr}`);
  const pgStore = await openPgStore({ url, watch: false });
  t.teardown(() => pgStore.close());
  t.equal(await opens(await pgStore.listUsers(), `${file}.key`), 'JBSWY3DPEHPK3PXP', 'the key the PostgreSQL gateways are given opens it');

  const back = join(dir, 'back.json');
  const returned = await runCli(['store', 'copy', '--from', url, '--to', back], { env: cliEnv({ PHOTOGATE_TWO_FACTOR_KEY_FILE: keyFile }) });
  t.equal(returned.code, 1, 'a --from key file that does not exist');
  t.match(returned.stderr, `their key file ${keyFile} is missing`);
  const fileBack = await runCli(['store', 'copy', '--from', url, '--to', back], { env });
  t.equal(fileBack.code, 0, `twoFactor.keyFile names the key of both sides, nothing to carry: ${fileBack.stderr}`);
  const copy = await openFileStore({ path: back, clock: systemClock, watch: false });
  t.teardown(() => copy.close());
  t.equal(await opens(await copy.listUsers(), `${file}.key`), 'JBSWY3DPEHPK3PXP');

  const other = join(dir, 'other.json');
  const fileToFile = await runCli(['store', 'copy', '--from', file, '--to', other]);
  t.equal(fileToFile.code, 0, fileToFile.stderr);
  t.match(fileToFile.stderr, `copied the two-factor key file ${file}.key to ${other}.key`);
  const otherStore = await openFileStore({ path: other, clock: systemClock, watch: false });
  t.teardown(() => otherStore.close());
  t.equal(await opens(await otherStore.listUsers(), `${other}.key`), 'JBSWY3DPEHPK3PXP', 'the copied key opens it beside the new file');
});

t.test('with store.url and no twoFactor.keyFile or oidc.keySecretFile, start and check-config fail saying what to set', async (t) => {
  const url = await server.createDatabase();
  for (const command of [['start', '--listen', '127.0.0.1:0'], ['check-config']]) {
    const result = await runCli(command, { env: cliEnv({ PHOTOGATE_STORE_URL: url }) });
    t.equal(result.code, 1, command.join(' '));
    t.match(result.stderr, 'twoFactor.keyFile: required with store.url');
    t.match(result.stderr, 'oidc.keySecretFile: required with store.url', 'both problems at once');
  }
  const keyFiles = { PHOTOGATE_TWO_FACTOR_KEY_FILE: join(t.testdir(), 'two-factor.key') };
  const keys = await runCli(['keys', 'rotate'], { env: cliEnv({ PHOTOGATE_STORE_URL: url, ...keyFiles }) });
  t.equal(keys.code, 1, 'keys rotate without the key secret');
  t.match(keys.stderr, 'oidc.keySecretFile: required with store.url');
});
