/**
 * Another writer's changes are picked up by polling and announced as exactly what a cache must
 * evict. The other writer here is a second store on the same file in this process (the
 * cross-process case is in file-store-processes.test.ts).
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Test } from 'tap';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { openFileStore } from '../../../src/store/file-store.js';
import type { Store } from '../../../src/store/store.js';
import { makeClient, makeGrant, makeToken, makeUser, testPasswordHash } from '../../fixtures/store/records.js';
import type { StoreMode } from '../../fixtures/store/store-modes.js';
import { readOnDisk, storeModes } from '../../fixtures/store/store-modes.js';
import { within } from '../../helpers/within.js';
import { describeChange } from './store-contract.js';

const describe = describeChange;

/** `seed` adds to what every case starts with; the watcher has seen it all before listening. */
async function openPair(mode: StoreMode, t: Test, seed?: (writer: Store) => Promise<unknown>) {
  const path = join(t.testdir(), 'store.json');
  const watcher = await openFileStore({ path, clock: systemClock, reloadIntervalMs: 20, ...mode.options });
  const writer = await openFileStore({ path, clock: systemClock, watch: false, ...mode.options });
  t.teardown(async () => {
    await watcher.close();
    await writer.close();
  });
  await writer.addUser(makeUser('alice'));
  await writer.addUser(makeUser('bob'));
  await writer.addClient(makeClient('ca', { username: 'alice' }));
  await writer.addClient(makeClient('cb'));
  await writer.addToken(makeToken('t-alice', { username: 'alice' }));
  await writer.addToken(makeToken('t-ca', { clientId: 'ca' }));
  await writer.addToken(makeToken('t-b', { username: 'bob' }));
  await seed?.(writer);
  await within(2000, () => inSync(watcher, writer));
  const changes: string[] = [];
  watcher.onChange((change) => changes.push(describe(change)));
  return { path, watcher, writer, changes };
}

/** Whether the watcher holds what the writer holds (grants: those the cases use). */
async function inSync(watcher: Store, writer: Store): Promise<boolean> {
  const grants = (s: Store) => Promise.all(grantIds.map((id) => s.findGrantByDigest(makeGrant(id).digest)));
  const snapshot = async (s: Store) =>
    Promise.all([s.listUsers(), s.listClients(), s.listTokens(), grants(s)] as const);
  return isDeepStrictEqual(await snapshot(watcher), await snapshot(writer));
}
const grantIds = ['g-old', 'g-new', 'g-expired'];

const cases: {
  name: string;
  seed?: (s: Store) => Promise<unknown>;
  act: (s: Store) => Promise<unknown>;
  expected: string[];
}[] = [
  { name: 'a removed token', act: (s) => s.removeToken('t-b'), expected: ['token-removed:t-b'] },
  {
    name: 'a new password',
    act: (s) => s.updateUser('bob', { passwordHash: `${testPasswordHash}x` }, 2),
    expected: ['user-changed:bob'],
  },
  { name: 'a new role', act: (s) => s.updateUser('bob', { role: 'admin' }, 2), expected: ['user-changed:bob'] },
  { name: 'the webdav flag', act: (s) => s.updateUser('bob', { webdav: true }, 2), expected: ['user-changed:bob'] },
  {
    name: 'a removed user',
    act: (s) => s.removeUser('alice'),
    expected: ['token-removed:t-alice', 'token-removed:t-ca', 'user-changed:alice', 'client-changed:ca'],
  },
  { name: 'a changed client', act: (s) => s.updateClient('cb', { scope: 'read' }, 2), expected: ['client-changed:cb'] },
  {
    name: 'a disabled client',
    act: (s) => s.updateClient('ca', { enabled: false }, 2),
    expected: ['client-changed:ca', 'token-removed:t-ca'],
  },
  {
    name: 'all tokens reset',
    act: (s) => s.resetTokens(),
    expected: ['token-removed:t-alice', 'token-removed:t-ca', 'token-removed:t-b'],
  },
  { name: 'a new token only', act: (s) => s.addToken(makeToken('t-new')), expected: [] },
  {
    name: "a client's new redirect URIs",
    act: (s) => s.updateClient('cb', { redirectUris: ['https://app.example.org/cb'] }, 2),
    expected: ['client-changed:cb'],
  },
  {
    name: 'each token of a removed family',
    seed: async (s) => {
      await s.addToken(makeToken('f-access', { familyId: 'f' }));
      await s.addToken(makeToken('other', { familyId: 'g' }));
      await s.addToken(makeToken('f-refresh', { kind: 'refresh_token', familyId: 'f' }));
    },
    act: (s) => s.removeTokenFamily('f'),
    expected: ['token-removed:f-access', 'token-removed:f-refresh'],
  },
  {
    name: 'nothing for a refresh token marked used',
    seed: (s) => s.addToken(makeToken('r', { kind: 'refresh_token', familyId: 'f' })),
    act: (s) => s.markTokenUsed('r', 2),
    expected: [],
  },
  {
    name: 'nothing for grants added, updated and removed',
    seed: (s) => s.addGrant(makeGrant('g-old', { clientId: 'cb', expiresAt: 1500 })),
    act: async (s) => {
      await s.addGrant(makeGrant('g-new', { clientId: 'cb' }));
      await s.updateGrant('g-new', { status: 'used', usedAt: 1100 }, ['approved']);
      await s.removeExpiredTokens(1500);
    },
    expected: [],
  },
  {
    name: 'only the tokens of an expiry purge',
    seed: async (s) => {
      await s.addToken(makeToken('t-expired', { expiresAt: 1500 }));
      await s.addGrant(makeGrant('g-expired', { clientId: 'cb', expiresAt: 1500 }));
    },
    act: (s) => s.removeExpiredTokens(1500),
    expected: ['token-removed:t-expired'],
  },
];

for (const mode of storeModes) {
  t.test(`${mode.name} mode`, async (t) => {
    for (const { name, seed, act, expected } of cases) {
      t.test(`reload announces ${name}`, async (t) => {
        const { watcher, writer, changes } = await openPair(mode, t, seed);
        await act(writer);
        await within(2000, () => inSync(watcher, writer));
        await within(2000, () => changes.length >= expected.length);
        await sleep(60);
        // Each announcement evicts on its own, so their order is no contract: a full reload
        // announces table by table, journal lines in the order they were written.
        t.same([...changes].sort(), [...expected].sort());
        t.ok(await inSync(watcher, writer));
      });
    }

    t.test('a corrupt file found by a reload keeps the last good data; a good file recovers', async (t) => {
      const { path, watcher, writer, changes } = await openPair(mode, t);
      await writeFile(path, 'null');
      await sleep(100);
      t.equal((await watcher.listTokens()).length, 3, 'still serving the last good data');
      t.same(changes, []);
      await t.rejects(writer.addToken(makeToken('refused')), { name: 'StoreCorrupt' });
      const other = join(t.testdirName, 'good.json');
      // A whole store in one file, as a restored backup would be.
      const good = await openFileStore({ path: other, clock: systemClock, watch: false, ...storeModes[0]?.options });
      await good.addToken(makeToken('t-b', { username: 'bob' }));
      await good.close();
      await rename(other, path);
      await within(2000, async () => (await watcher.listTokens()).length === 1);
      t.same(changes, [
        'user-changed:alice',
        'user-changed:bob',
        'client-changed:ca',
        'client-changed:cb',
        'token-removed:t-alice',
        'token-removed:t-ca',
      ]);
      await writer.addToken(makeToken('after'));
      await within(2000, async () => (await watcher.findToken('after')) !== undefined);
    });

    t.test('a write by this store after another store wrote keeps both writes', async (t) => {
      const { watcher, writer } = await openPair(mode, t);
      await writer.addToken(makeToken('from-writer'));
      await watcher.addToken(makeToken('from-watcher'));
      t.ok(await watcher.findToken('from-writer'), 'the flush reloaded before applying');
      await writer.addToken(makeToken('again'));
      t.same(
        (await writer.listTokens()).map((x) => x.id),
        ['t-alice', 't-ca', 't-b', 'from-writer', 'from-watcher', 'again'],
      );
    });

    t.test('a store file deleted under a running store loses nothing', async (t) => {
      const path = join(t.testdir(), 'store.json');
      const store = await openFileStore({ path, clock: systemClock, reloadIntervalMs: 50, ...mode.options });
      t.teardown(() => store.close());
      await store.addUser(makeUser('alice'));
      await rm(path);
      await sleep(150);
      t.ok(await store.findUser('alice'), 'still known after the file vanished');
      await store.addUser(makeUser('bob'));
      const file = JSON.parse(await readFile(path, 'utf8')) as { users: { username: string }[] };
      t.same(
        file.users.map((u) => u.username).sort(),
        mode.name === 'journal' ? ['alice'] : ['alice', 'bob'],
        'the next write puts the store file back (in journal mode as it was, the write going to the journal)',
      );
      t.same(
        (await (await readOnDisk(t, path)).listUsers()).map((u) => u.username).sort(),
        ['alice', 'bob'],
        'a restart reads everything',
      );
    });
  });
}
