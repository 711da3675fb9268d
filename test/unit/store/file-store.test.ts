import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { StoreConflict, StoreNotFound } from '../../../src/errors.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { clientRecord, tokenRecord, userRecord } from '../../../src/store/records.js';
import type { Store, StoreChange } from '../../../src/store/store.js';
import { makeClient, makeToken, makeUser } from '../../fixtures/store/records.js';

async function openTestStore(t: Test, path = join(t.testdir(), 'store.json')) {
  const store = await openFileStore({ path, clock: systemClock, watch: false });
  t.teardown(() => store.close());
  const changes: string[] = [];
  store.onChange((change) => changes.push(describe(change)));
  return { store, path, changes };
}

function describe(change: StoreChange): string {
  if (change.type === 'token-removed') return `token-removed:${change.token.id}`;
  if (change.type === 'user-changed') return `user-changed:${change.username}`;
  return `client-changed:${change.clientId}`;
}

const ids = (records: readonly { id: string }[]) => records.map((r) => r.id);

t.test('users: usernames are case-insensitive and stored lower-cased', async (t) => {
  const { store, path, changes } = await openTestStore(t);
  await store.addUser(makeUser('Alice'));
  t.equal((await store.findUser('ALICE'))?.username, 'alice');
  t.same(
    (await store.listUsers()).map((u) => u.username),
    ['alice'],
  );
  const updated = await store.updateUser('aLiCe', { role: 'admin', webdav: true }, 2000);
  t.match(updated, { username: 'alice', role: 'admin', webdav: true, createdAt: 1000, updatedAt: 2000 });
  t.ok(Object.isFrozen(updated));
  t.same(await store.findUser('alice'), updated);
  await store.updateUser('alice', { role: undefined }, 2001);
  t.equal((await store.findUser('alice'))?.role, 'admin', 'an undefined patch field changes nothing');
  await store.removeUser('ALICE');
  t.equal(await store.findUser('alice'), undefined);
  t.same(changes, ['user-changed:alice', 'user-changed:alice']);
  t.same(JSON.parse(await readFile(path, 'utf8')).users, []);
});

t.test('clients: add, find, list, update, remove', async (t) => {
  const { store, changes } = await openTestStore(t);
  await store.addClient(makeClient('c1', { username: 'Bob' }));
  t.equal((await store.findClient('c1'))?.username, 'bob');
  const updated = await store.updateClient('c1', { name: 'renamed', scope: 'read' }, 3000);
  t.match(updated, { clientId: 'c1', name: 'renamed', scope: 'read', updatedAt: 3000, enabled: true });
  t.same(await store.listClients(), [updated]);
  await store.removeClient('c1');
  t.equal(await store.findClient('c1'), undefined);
  t.same(changes, ['client-changed:c1', 'client-changed:c1']);
});

t.test('tokens: add, find by id and digest, list, remove', async (t) => {
  const { store, changes } = await openTestStore(t);
  const token = makeToken('t1', { username: 'Carol' });
  await store.addToken(token);
  t.same(await store.findToken('t1'), { ...token, username: 'carol' });
  t.equal((await store.findTokenByDigest(token.digest))?.id, 't1');
  t.same(ids(await store.listTokens()), ['t1']);
  t.equal((await store.removeToken('t1'))?.id, 't1');
  t.equal(await store.removeToken('t1'), undefined, 'removing a missing token resolves to undefined');
  t.equal(await store.findTokenByDigest(token.digest), undefined);
  t.same(changes, ['token-removed:t1']);
});

t.test('everything written is there after reopening, and only the records are in the file', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'store.json');
  const { store } = await openTestStore(t, path);
  await store.addUser(makeUser('dave'));
  await store.addClient(makeClient('c1', { username: 'dave' }));
  await store.addToken(makeToken('t1', { clientId: 'c1' }));
  await store.addToken(makeToken('t2', { username: 'dave', expiresAt: 5000 }));
  await store.close();
  const { store: reopened } = await openTestStore(t, path);
  t.same(
    (await reopened.listUsers()).map((u) => u.username),
    ['dave'],
  );
  t.same(
    (await reopened.listClients()).map((c) => c.clientId),
    ['c1'],
  );
  t.same(ids(await reopened.listTokens()), ['t1', 't2']);
  t.equal((await stat(path)).mode & 0o777, 0o600);
  const file = JSON.parse(await readFile(path, 'utf8'));
  t.same(Object.keys(file), ['version', 'users', 'clients', 'tokens']);
  const keysOf = (schema: { shape: object }) => Object.keys(schema.shape).sort();
  for (const user of file.users) t.same(Object.keys(user).sort(), keysOf(userRecord));
  for (const client of file.clients) t.same(Object.keys(client).sort(), keysOf(clientRecord));
  for (const token of file.tokens) t.same(Object.keys(token).sort(), keysOf(tokenRecord));
});

t.test('returned records and lists are frozen', async (t) => {
  const { store } = await openTestStore(t);
  await store.addUser(makeUser('erin'));
  await store.addToken(makeToken('t1'));
  const tokens = await store.listTokens();
  t.ok(Object.isFrozen(tokens));
  t.ok(Object.isFrozen(tokens[0]));
  t.ok(Object.isFrozen(await store.findUser('erin')));
  t.throws(() => (tokens as unknown as unknown[]).push(makeToken('t2')), TypeError);
});

const refused: { name: string; act: (s: Store) => Promise<unknown>; error: new (...args: never[]) => Error }[] = [
  { name: 'a second user differing only in case', act: (s) => s.addUser(makeUser('ALICE')), error: StoreConflict },
  { name: 'a second client with one id', act: (s) => s.addClient(makeClient('c1')), error: StoreConflict },
  {
    name: 'a second token with one id',
    act: (s) => s.addToken(makeToken('t1', { digest: 'b'.repeat(64) })),
    error: StoreConflict,
  },
  {
    name: 'a second token with one digest',
    act: (s) => s.addToken(makeToken('t9', { digest: makeToken('t1').digest })),
    error: StoreConflict,
  },
  { name: 'updating a missing user', act: (s) => s.updateUser('nobody', { role: 'admin' }, 1), error: StoreNotFound },
  { name: 'removing a missing user', act: (s) => s.removeUser('nobody'), error: StoreNotFound },
  {
    name: 'updating a missing client',
    act: (s) => s.updateClient('nope', { enabled: false }, 1),
    error: StoreNotFound,
  },
  { name: 'removing a missing client', act: (s) => s.removeClient('nope'), error: StoreNotFound },
  {
    name: 'a token that breaks the schema',
    act: (s) => s.addToken(makeToken('t2', { digest: 'nothex' })),
    error: TypeError,
  },
  {
    name: 'a user patch that breaks the schema',
    act: (s) => s.updateUser('alice', { role: 'root' as 'admin' }, 1),
    error: TypeError,
  },
  {
    name: 'a client patch that breaks the schema',
    act: (s) => s.updateClient('c1', { tokenLimit: -5 }, 1),
    error: TypeError,
  },
];
for (const { name, act, error } of refused) {
  t.test(`refused: ${name}; nothing changes`, async (t) => {
    const { store, path, changes } = await openTestStore(t);
    await store.addUser(makeUser('alice'));
    await store.addClient(makeClient('c1'));
    await store.addToken(makeToken('t1'));
    const before = await readFile(path);
    const ino = (await stat(path)).ino;
    await t.rejects(act(store), error);
    t.same(await readFile(path), before);
    t.equal((await stat(path)).ino, ino, 'the file was not rewritten');
    t.same(changes, []);
    t.equal((await store.listTokens()).length, 1);
    t.equal((await store.findUser('alice'))?.role, 'user');
  });
}

t.test('a refused write in a batch fails alone', async (t) => {
  const { store } = await openTestStore(t);
  const results = await Promise.allSettled([
    store.addToken(makeToken('a')),
    store.addToken(makeToken('a', { digest: 'c'.repeat(64) })),
    store.addToken(makeToken('b')),
    store.removeClient('missing'),
  ]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'rejected'],
  );
  t.same(ids(await store.listTokens()), ['a', 'b']);
});

async function seedCascade(store: Store) {
  await store.addUser(makeUser('alice'));
  await store.addUser(makeUser('bob'));
  await store.addClient(makeClient('ca', { username: 'alice' }));
  await store.addClient(makeClient('cb', { username: 'bob' }));
  await store.addClient(makeClient('cn'));
  await store.addToken(makeToken('t-alice', { username: 'alice' }));
  await store.addToken(makeToken('t-ca', { clientId: 'ca' }));
  await store.addToken(makeToken('t-bob', { username: 'bob' }));
  await store.addToken(makeToken('t-cb', { clientId: 'cb', username: 'bob' }));
  await store.addToken(makeToken('t-none', { expiresAt: 2000 }));
}
const cascades: {
  name: string;
  act: (s: Store) => Promise<unknown>;
  result?: unknown;
  users: string[];
  clients: string[];
  tokens: string[];
  changes: string[];
}[] = [
  {
    name: "removeUser removes their tokens, their clients and those clients' tokens",
    act: (s) => s.removeUser('Alice'),
    users: ['bob'],
    clients: ['cb', 'cn'],
    tokens: ['t-bob', 't-cb', 't-none'],
    changes: ['user-changed:alice', 'client-changed:ca', 'token-removed:t-alice', 'token-removed:t-ca'],
  },
  {
    name: 'disabling a client removes its tokens',
    act: (s) => s.updateClient('ca', { enabled: false }, 3000),
    users: ['alice', 'bob'],
    clients: ['ca', 'cb', 'cn'],
    tokens: ['t-alice', 't-bob', 't-cb', 't-none'],
    changes: ['client-changed:ca', 'token-removed:t-ca'],
  },
  {
    name: 'renaming a client keeps its tokens',
    act: (s) => s.updateClient('ca', { name: 'x' }, 3000),
    users: ['alice', 'bob'],
    clients: ['ca', 'cb', 'cn'],
    tokens: ['t-alice', 't-ca', 't-bob', 't-cb', 't-none'],
    changes: ['client-changed:ca'],
  },
  {
    name: 'removeClient removes its tokens',
    act: (s) => s.removeClient('cb'),
    users: ['alice', 'bob'],
    clients: ['ca', 'cn'],
    tokens: ['t-alice', 't-ca', 't-bob', 't-none'],
    changes: ['client-changed:cb', 'token-removed:t-cb'],
  },
  {
    name: 'resetClients removes every client and their tokens',
    act: (s) => s.resetClients(),
    users: ['alice', 'bob'],
    clients: [],
    tokens: ['t-alice', 't-bob', 't-none'],
    changes: [
      'client-changed:ca',
      'client-changed:cb',
      'client-changed:cn',
      'token-removed:t-ca',
      'token-removed:t-cb',
    ],
  },
  {
    name: 'resetTokens removes every token',
    act: (s) => s.resetTokens(),
    users: ['alice', 'bob'],
    clients: ['ca', 'cb', 'cn'],
    tokens: [],
    changes: ['t-alice', 't-ca', 't-bob', 't-cb', 't-none'].map((id) => `token-removed:${id}`),
  },
  {
    name: 'a user update that changes nothing cached announces nothing',
    act: (s) => s.updateUser('bob', {}, 3000),
    users: ['alice', 'bob'],
    clients: ['ca', 'cb', 'cn'],
    tokens: ['t-alice', 't-ca', 't-bob', 't-cb', 't-none'],
    changes: [],
  },
];
for (const { name, act, users, clients, tokens, changes: expected } of cascades) {
  t.test(`cascade: ${name}`, async (t) => {
    const { store, path, changes } = await openTestStore(t);
    await seedCascade(store);
    await act(store);
    const check = async (s: Store) => {
      t.same(
        (await s.listUsers()).map((u) => u.username),
        users,
      );
      t.same(
        (await s.listClients()).map((c) => c.clientId),
        clients,
      );
      t.same(ids(await s.listTokens()), tokens);
    };
    await check(store);
    t.same(changes, expected);
    await check((await openTestStore(t, path)).store);
  });
}

const expiryCases = [
  { now: 1999, removed: 0, left: ['a', 'b', 'c', 'n'] },
  { now: 2000, removed: 1, left: ['b', 'c', 'n'] },
  { now: 2001, removed: 2, left: ['c', 'n'] },
  { now: 9999, removed: 3, left: ['n'] },
];
for (const { now, removed, left } of expiryCases) {
  t.test(`removeExpiredTokens(${now}) removes tokens expiring at or before it`, async (t) => {
    const { store, changes } = await openTestStore(t);
    await store.addToken(makeToken('a', { expiresAt: 2000 }));
    await store.addToken(makeToken('b', { expiresAt: 2001 }));
    await store.addToken(makeToken('c', { expiresAt: 2002 }));
    await store.addToken(makeToken('n', { expiresAt: null }));
    t.equal(await store.removeExpiredTokens(now), removed);
    t.same(ids(await store.listTokens()), left);
    t.equal(changes.length, removed);
  });
}

const limitCases: { name: string; limit: number | undefined; kept: string[] }[] = [
  { name: 'keeps the newest 3', limit: 3, kept: ['c1-2', 'c1-3', 'c1-4'] },
  { name: 'keeps the newest 1', limit: 1, kept: ['c1-4'] },
  { name: '-1 keeps all', limit: -1, kept: ['c1-0', 'c1-1', 'c1-2', 'c1-3', 'c1-4'] },
  { name: 'no limit keeps all', limit: undefined, kept: ['c1-0', 'c1-1', 'c1-2', 'c1-3', 'c1-4'] },
];
for (const { name, limit, kept } of limitCases) {
  for (const concurrent of [false, true]) {
    t.test(`token limit ${name}${concurrent ? ', adding concurrently' : ''}`, async (t) => {
      const { store, changes } = await openTestStore(t);
      await store.addToken(makeToken('other-0', { clientId: 'c2' }));
      const add = (i: number) =>
        store.addToken(makeToken(`c1-${i}`, { clientId: 'c1' }), { tokenLimitForClient: limit as number });
      if (concurrent) await Promise.all([0, 1, 2, 3, 4].map(add));
      else for (const i of [0, 1, 2, 3, 4]) await add(i);
      await store.addToken(makeToken('free'), { tokenLimitForClient: 1 });
      t.same(ids(await store.listTokens()), ['other-0', ...kept, 'free']);
      const evicted = ['c1-0', 'c1-1', 'c1-2', 'c1-3', 'c1-4'].filter((id) => !kept.includes(id));
      t.same(
        changes,
        evicted.map((id) => `token-removed:${id}`),
      );
    });
  }
}

t.test('close waits for queued writes; then every call rejects', async (t) => {
  const { store, path } = await openTestStore(t);
  const writes = [store.addToken(makeToken('a')), store.addToken(makeToken('b'))];
  await store.close();
  await Promise.all(writes);
  t.same(
    JSON.parse(await readFile(path, 'utf8')).tokens.map((x: { id: string }) => x.id),
    ['a', 'b'],
  );
  await t.rejects(store.findToken('a'));
  await t.rejects(store.listUsers());
  await t.rejects(store.addToken(makeToken('c')));
  await t.resolves(store.close());
});

t.test('onChange returns an unsubscribe function', async (t) => {
  const { store } = await openTestStore(t);
  const seen: StoreChange[] = [];
  const off = store.onChange((change) => seen.push(change));
  await store.addToken(makeToken('a'));
  await store.removeToken('a');
  off();
  await store.addToken(makeToken('b'));
  await store.removeToken('b');
  t.equal(seen.length, 1);
});
