import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { StoreConflict, StoreNotFound } from '../../../src/errors.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { clientRecord, grantRecord, tokenRecord, userRecord } from '../../../src/store/records.js';
import type { GrantPatch, Store, StoreChange } from '../../../src/store/store.js';
import { digestOf, makeClient, makeGrant, makeToken, makeUser } from '../../fixtures/store/records.js';
import type { StoreMode } from '../../fixtures/store/store-modes.js';
import { filesOf, readOnDisk, storeModes } from '../../fixtures/store/store-modes.js';

async function openStoreIn(mode: StoreMode, t: Test, path = join(t.testdir(), 'store.json')) {
  const store = await openFileStore({ path, clock: systemClock, watch: false, ...mode.options });
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

/** The store has no listGrants: which of these grants (made by makeGrant) are still there. */
async function grantsLeft(store: Store, candidates: readonly string[]): Promise<string[]> {
  const found = await Promise.all(candidates.map((id) => store.findGrantByDigest(makeGrant(id).digest)));
  return candidates.filter((_, i) => found[i] !== undefined);
}
for (const mode of storeModes) {
  t.test(`${mode.name} mode`, async (t) => {
    const openTestStore = (t: Test, path?: string) => openStoreIn(mode, t, path);

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
      t.same(await (await readOnDisk(t, path)).listUsers(), []);
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

    t.test('clients: redirect URIs are replaced by an update and frozen', async (t) => {
      const { store, changes } = await openTestStore(t);
      await store.addClient(makeClient('c1', { redirectUris: ['https://a.example/cb'] }));
      const uris = ['https://b.example/cb', 'com.example.app:/cb'];
      const updated = await store.updateClient('c1', { redirectUris: uris }, 3000);
      uris.push('https://mutated.example/');
      t.same(updated.redirectUris, ['https://b.example/cb', 'com.example.app:/cb']);
      t.ok(Object.isFrozen(updated.redirectUris));
      t.same((await store.updateClient('c1', { name: 'x' }, 3001)).redirectUris, updated.redirectUris);
      t.same((await store.updateClient('c1', { redirectUris: [] }, 3002)).redirectUris, []);
      t.same(changes, ['client-changed:c1', 'client-changed:c1', 'client-changed:c1']);
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

    t.test('markTokenUsed sets usedAt once, durably, and announces nothing', async (t) => {
      const { store, path, changes } = await openTestStore(t);
      await store.addToken(makeToken('r1', { kind: 'refresh_token', familyId: 'g1' }));
      const used = await store.markTokenUsed('r1', 2000);
      t.match(used, { id: 'r1', usedAt: 2000, familyId: 'g1' });
      t.ok(Object.isFrozen(used));
      t.same(await store.findToken('r1'), used);
      t.same(await store.findTokenByDigest(used.digest), used);
      t.same(await store.listTokens(), [used]);
      await t.rejects(store.markTokenUsed('r1', 2001), StoreConflict);
      await t.rejects(store.markTokenUsed('nope', 2001), StoreNotFound);
      t.equal((await store.findToken('r1'))?.usedAt, 2000, 'the first use stays');
      t.equal((await (await readOnDisk(t, path)).findToken('r1'))?.usedAt, 2000);
      t.same(changes, []);
    });

    t.test('markTokenUsed: of two exchanges of one token in one batch, exactly one wins', async (t) => {
      const { store } = await openTestStore(t);
      await store.addToken(makeToken('r1', { kind: 'refresh_token' }));
      const results = await Promise.allSettled([store.markTokenUsed('r1', 2000), store.markTokenUsed('r1', 2001)]);
      t.match(results, [
        { status: 'fulfilled', value: { usedAt: 2000 } },
        { status: 'rejected', reason: StoreConflict },
      ]);
      t.equal((await store.findToken('r1'))?.usedAt, 2000);
    });

    t.test('useTwoFactorStep: a time step is taken once, durably, even by two writes in one batch', async (t) => {
      const { store, path, changes } = await openTestStore(t);
      const twoFactor = { sealedSecret: 'v1.a.b.c', sealedRecoveryCode: null, recoveryCodeDigest: 'a'.repeat(64), verifiedAt: 1000, activatedAt: 1000, lastStep: 10 };
      await store.addUser(makeUser('alice', { twoFactor }));
      await store.addUser(makeUser('bob'));
      const results = await Promise.allSettled([store.useTwoFactorStep('alice', 11), store.useTwoFactorStep('Alice', 11)]);
      t.match(results, [
        { status: 'fulfilled', value: { twoFactor: { lastStep: 11 } } },
        { status: 'rejected', reason: StoreConflict },
      ]);
      await t.rejects(store.useTwoFactorStep('alice', 10), StoreConflict, 'an earlier step');
      await t.rejects(store.useTwoFactorStep('bob', 11), StoreNotFound, 'no two-factor');
      await t.rejects(store.useTwoFactorStep('nobody', 11), StoreNotFound);
      t.equal((await (await readOnDisk(t, path)).findUser('alice'))?.twoFactor?.lastStep, 11);
      t.same(changes, [], 'using a step changes nothing cached');
      await store.updateUser('alice', { twoFactor: null }, 2000);
      t.same(changes, ['user-changed:alice'], 'turning two-factor off does');
    });

    t.test('removeTokenFamily removes the family, announces each token, and resolves to the count', async (t) => {
      const { store, path, changes } = await openTestStore(t);
      await store.addToken(makeToken('a1', { familyId: 'f1' }));
      await store.addToken(makeToken('r1', { kind: 'refresh_token', familyId: 'f1', usedAt: 1500 }));
      await store.addToken(makeToken('other', { familyId: 'f2' }));
      await store.addToken(makeToken('r2', { kind: 'refresh_token', familyId: 'f1' }));
      await store.addToken(makeToken('none'));
      t.equal(await store.removeTokenFamily('f1'), 3);
      t.same(ids(await store.listTokens()), ['other', 'none']);
      t.same(changes, ['token-removed:a1', 'token-removed:r1', 'token-removed:r2']);
      const ino = (await stat(path)).ino;
      t.equal(await store.removeTokenFamily('f1'), 0);
      t.equal(await store.removeTokenFamily('unknown'), 0);
      t.equal((await stat(path)).ino, ino, 'removing nothing writes nothing');
      t.equal(changes.length, 3);
    });

    t.test('grants: add, find by digest and user code, compare-and-set updates, no events', async (t) => {
      const { store, path, changes } = await openTestStore(t);
      const code = makeGrant('code', { username: 'Alice', codeChallenge: 'x'.repeat(43) });
      const device = makeGrant('device', {
        kind: 'device_code',
        username: null,
        redirectUri: null,
        userCodeDigest: digestOf('WDJB-MJHT'),
        status: 'pending',
      });
      await store.addGrant(code);
      await store.addGrant(device);
      const found = await store.findGrantByDigest(code.digest);
      t.same(found, { ...code, username: 'alice' });
      t.ok(Object.isFrozen(found));
      t.same(await store.findGrantByUserCode(digestOf('WDJB-MJHT')), device);
      t.equal(await store.findGrantByUserCode(digestOf('XXXX-XXXX')), undefined);
      t.equal(await store.findGrantByDigest(digestOf('unknown')), undefined);

      const polled = await store.updateGrant('device', { lastPolledAt: 1100 }, ['pending']);
      t.match(polled, { status: 'pending', lastPolledAt: 1100 });
      const approved = await store.updateGrant('device', { status: 'approved', username: 'Bob', scope: 'photos' }, [
        'pending',
      ]);
      t.match(approved, { status: 'approved', username: 'bob', scope: 'photos', lastPolledAt: 1100 });
      t.ok(Object.isFrozen(approved));
      t.same(await store.findGrantByUserCode(digestOf('WDJB-MJHT')), approved, 'the user code index follows');
      t.same(await store.findGrantByDigest(device.digest), approved, 'the digest index follows');
      await t.rejects(store.updateGrant('device', { status: 'denied' }, ['pending']), StoreConflict);

      const notAPatch = { status: 'used', usedAt: 1200, digest: digestOf('other'), clientId: 'c9' } as GrantPatch;
      const used = await store.updateGrant('code', notAPatch, ['approved']);
      t.match(used, { status: 'used', usedAt: 1200, digest: code.digest, clientId: 'c1' }, 'only patch fields apply');
      await t.rejects(store.updateGrant('code', { status: 'used' }, ['approved']), StoreConflict);
      await t.rejects(store.updateGrant('code', { status: 'used' }, []), StoreConflict);

      const disk = await readOnDisk(t, path);
      t.same([await disk.findGrantByDigest(code.digest), await disk.findGrantByDigest(device.digest)], [used, approved]);
      t.same(changes, []);
    });

    t.test('updateGrant: of two redemptions of one code in one batch, exactly one wins', async (t) => {
      const { store } = await openTestStore(t);
      await store.addGrant(makeGrant('g1'));
      const redeem = (now: number) => store.updateGrant('g1', { status: 'used', usedAt: now }, ['approved']);
      const results = await Promise.allSettled([redeem(1100), redeem(1101), redeem(1102)]);
      t.match(results, [
        { status: 'fulfilled', value: { status: 'used', usedAt: 1100 } },
        { status: 'rejected', reason: StoreConflict },
        { status: 'rejected', reason: StoreConflict },
      ]);
      t.equal((await store.findGrantByDigest(makeGrant('g1').digest))?.usedAt, 1100);
    });

    t.test('everything written is there after reopening, and only the records are in the file', async (t) => {
      const dir = t.testdir();
      const path = join(dir, 'store.json');
      const { store } = await openTestStore(t, path);
      await store.addUser(makeUser('dave'));
      await store.addClient(makeClient('c1', { username: 'dave' }));
      await store.addToken(makeToken('t1', { clientId: 'c1' }));
      await store.addToken(makeToken('t2', { username: 'dave', expiresAt: 5000 }));
      await store.addGrant(makeGrant('g1', { clientId: 'c1', username: 'dave' }));
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
      const grant = makeGrant('g1', { clientId: 'c1', username: 'dave' });
      t.same(await reopened.findGrantByDigest(grant.digest), grant);
      t.equal((await stat(path)).mode & 0o777, 0o600);
      if (mode.name === 'journal') {
        t.equal((await stat(`${path}.journal`)).mode & 0o777, 0o600);
        return;
      }
      const file = JSON.parse(await readFile(path, 'utf8'));
      t.same(Object.keys(file), ['version', 'journal', 'users', 'clients', 'tokens', 'grants']);
      t.match(file.journal, { id: /^[0-9a-f]{32}$/, seq: 5 }, 'the journal that continues it, and the five writes it holds');
      // Fields written only when set (two-factor, how a person signed in).
      const writtenWhenSet = new Set(['twoFactor', 'amr']);
      const keysOf = (schema: { shape: object }) => Object.keys(schema.shape).filter((k) => !writtenWhenSet.has(k)).sort();
      for (const user of file.users) t.same(Object.keys(user).sort(), keysOf(userRecord));
      for (const client of file.clients) t.same(Object.keys(client).sort(), keysOf(clientRecord));
      for (const token of file.tokens) t.same(Object.keys(token).sort(), keysOf(tokenRecord));
      for (const grant of file.grants) t.same(Object.keys(grant).sort(), keysOf(grantRecord));
    });

    t.test('a store file of the previous version loads, and the next write adds the new fields', async (t) => {
      const oldClient: Record<string, unknown> = { ...makeClient('c1') };
      delete oldClient.redirectUris;
      const oldToken: Record<string, unknown> = { ...makeToken('t1', { clientId: 'c1' }) };
      delete oldToken.familyId;
      delete oldToken.usedAt;
      const old = JSON.stringify({ version: 1, users: [makeUser('alice')], clients: [oldClient], tokens: [oldToken] });
      const path = join(t.testdir({ 'store.json': old }), 'store.json');
      const { store } = await openTestStore(t, path);
      t.same((await store.findClient('c1'))?.redirectUris, []);
      t.match(await store.findToken('t1'), { familyId: null, usedAt: null });
      t.equal(await store.findGrantByDigest(makeGrant('g1').digest), undefined);
      t.equal(await readFile(path, 'utf8'), old, 'reading does not rewrite the file');
      t.equal((await store.markTokenUsed('t1', 2000)).usedAt, 2000);
      const file = JSON.parse(await readFile(path, 'utf8'));
      t.same(file.grants, []);
      t.same(file.clients[0], makeClient('c1'));
      // Journal mode: the file is first rewritten as it was (naming its new journal), the write
      // goes to the journal.
      const usedAt = mode.name === 'journal' ? null : 2000;
      t.same(file.tokens[0], makeToken('t1', { clientId: 'c1', usedAt }));
      t.same(await (await readOnDisk(t, path)).findToken('t1'), makeToken('t1', { clientId: 'c1', usedAt: 2000 }));
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
      { name: 'marking a missing token used', act: (s) => s.markTokenUsed('nope', 1), error: StoreNotFound },
      {
        name: 'a second grant with one id',
        act: (s) => s.addGrant(makeGrant('g1', { digest: 'b'.repeat(64), userCodeDigest: null })),
        error: StoreConflict,
      },
      {
        name: 'a second grant with one digest',
        act: (s) => s.addGrant(makeGrant('g9', { digest: makeGrant('g1').digest })),
        error: StoreConflict,
      },
      {
        name: 'a second grant with one user code',
        act: (s) => s.addGrant(makeGrant('g9', { kind: 'device_code', userCodeDigest: digestOf('user-code-1') })),
        error: StoreConflict,
      },
      {
        name: 'a grant that breaks the schema',
        act: (s) => s.addGrant(makeGrant('g9', { kind: 'implicit' as 'authorization_code' })),
        error: TypeError,
      },
      {
        name: 'updating a missing grant',
        act: (s) => s.updateGrant('nope', { status: 'used' }, ['pending']),
        error: StoreNotFound,
      },
      {
        name: 'updating a grant whose status is not the one expected',
        act: (s) => s.updateGrant('g1', { status: 'used' }, ['approved']),
        error: StoreConflict,
      },
      {
        name: 'a grant patch that breaks the schema',
        act: (s) => s.updateGrant('g1', { status: 'revoked' as 'used' }, ['pending']),
        error: TypeError,
      },
    ];
    for (const { name, act, error } of refused) {
      t.test(`refused: ${name}; nothing changes`, async (t) => {
        const { store, path, changes } = await openTestStore(t);
        await store.addUser(makeUser('alice'));
        await store.addClient(makeClient('c1'));
        await store.addToken(makeToken('t1'));
        const grant = makeGrant('g1', { kind: 'device_code', status: 'pending', userCodeDigest: digestOf('user-code-1') });
        await store.addGrant(grant);
        const before = await filesOf(path);
        const ino = (await stat(path)).ino;
        await t.rejects(act(store), error);
        t.same(await filesOf(path), before);
        t.equal((await stat(path)).ino, ino, 'the file was not rewritten');
        t.same(changes, []);
        t.equal((await store.listTokens()).length, 1);
        t.equal((await store.findUser('alice'))?.role, 'user');
        t.same(await store.findGrantByDigest(grant.digest), grant);
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
      await store.addGrant(makeGrant('g-alice', { clientId: 'cn', username: 'alice' }));
      await store.addGrant(makeGrant('g-ca', { clientId: 'ca', username: 'bob' }));
      const pending = { kind: 'device_code', status: 'pending', username: null, userCodeDigest: digestOf('cb') } as const;
      await store.addGrant(makeGrant('g-cb', { clientId: 'cb', ...pending }));
      await store.addGrant(makeGrant('g-cn', { clientId: 'cn', username: 'bob' }));
    }
    const seededGrants = ['g-alice', 'g-ca', 'g-cb', 'g-cn'];
    const cascades: {
      name: string;
      act: (s: Store) => Promise<unknown>;
      result?: unknown;
      users: string[];
      clients: string[];
      tokens: string[];
      grants: string[];
      changes: string[];
    }[] = [
      {
        name: "removeUser removes their tokens and grants, their clients and those clients' tokens and grants",
        act: (s) => s.removeUser('Alice'),
        users: ['bob'],
        clients: ['cb', 'cn'],
        tokens: ['t-bob', 't-cb', 't-none'],
        grants: ['g-cb', 'g-cn'],
        // Tokens first (bulk removals go in batches, file-store.ts), then the records they hang on.
        changes: ['token-removed:t-alice', 'token-removed:t-ca', 'user-changed:alice', 'client-changed:ca'],
      },
      {
        name: 'disabling a client removes its tokens and grants',
        act: (s) => s.updateClient('ca', { enabled: false }, 3000),
        users: ['alice', 'bob'],
        clients: ['ca', 'cb', 'cn'],
        tokens: ['t-alice', 't-bob', 't-cb', 't-none'],
        grants: ['g-alice', 'g-cb', 'g-cn'],
        changes: ['client-changed:ca', 'token-removed:t-ca'],
      },
      {
        name: 'renaming a client keeps its tokens and grants',
        act: (s) => s.updateClient('ca', { name: 'x' }, 3000),
        users: ['alice', 'bob'],
        clients: ['ca', 'cb', 'cn'],
        tokens: ['t-alice', 't-ca', 't-bob', 't-cb', 't-none'],
        grants: seededGrants,
        changes: ['client-changed:ca'],
      },
      {
        name: 'removeClient removes its tokens and grants',
        act: (s) => s.removeClient('cb'),
        users: ['alice', 'bob'],
        clients: ['ca', 'cn'],
        tokens: ['t-alice', 't-ca', 't-bob', 't-none'],
        grants: ['g-alice', 'g-ca', 'g-cn'],
        changes: ['token-removed:t-cb', 'client-changed:cb'],
      },
      {
        name: 'resetClients removes every client and their tokens and grants',
        act: (s) => s.resetClients(),
        users: ['alice', 'bob'],
        clients: [],
        tokens: ['t-alice', 't-bob', 't-none'],
        grants: [],
        changes: [
          'token-removed:t-ca',
          'token-removed:t-cb',
          'client-changed:ca',
          'client-changed:cb',
          'client-changed:cn',
        ],
      },
      {
        name: 'resetTokens removes every token and every grant, so nothing can mint a new one',
        act: (s) => s.resetTokens(),
        users: ['alice', 'bob'],
        clients: ['ca', 'cb', 'cn'],
        tokens: [],
        grants: [],
        changes: ['t-alice', 't-ca', 't-bob', 't-cb', 't-none'].map((id) => `token-removed:${id}`),
      },
      {
        name: 'a user update that changes nothing cached announces nothing',
        act: (s) => s.updateUser('bob', {}, 3000),
        users: ['alice', 'bob'],
        clients: ['ca', 'cb', 'cn'],
        tokens: ['t-alice', 't-ca', 't-bob', 't-cb', 't-none'],
        grants: seededGrants,
        changes: [],
      },
    ];
    for (const { name, act, users, clients, tokens, grants, changes: expected } of cascades) {
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
          t.same(await grantsLeft(s, seededGrants), grants);
        };
        await check(store);
        t.same(changes, expected);
        await check((await openTestStore(t, path)).store);
      });
    }

    const expiryCases = [
      { now: 1999, removed: 0, left: ['a', 'b', 'c', 'n'], grants: ['ga', 'gb'] },
      { now: 2000, removed: 2, left: ['b', 'c', 'n'], grants: ['gb'] },
      { now: 2001, removed: 3, left: ['c', 'n'], grants: ['gb'] },
      { now: 2002, removed: 4, left: ['n'], grants: ['gb'] },
      { now: 9999, removed: 5, left: ['n'], grants: [] },
    ];
    for (const { now, removed, left, grants } of expiryCases) {
      t.test(`removeExpiredTokens(${now}) removes tokens and grants expiring at or before it`, async (t) => {
        const { store, changes } = await openTestStore(t);
        await store.addToken(makeToken('a', { expiresAt: 2000 }));
        await store.addToken(makeToken('b', { expiresAt: 2001 }));
        await store.addToken(makeToken('c', { expiresAt: 2002 }));
        await store.addToken(makeToken('n', { expiresAt: null }));
        await store.addGrant(makeGrant('ga', { expiresAt: 2000 }));
        await store.addGrant(makeGrant('gb', { expiresAt: 2003, status: 'used', usedAt: 1500 }));
        t.equal(await store.removeExpiredTokens(now), removed);
        t.same(ids(await store.listTokens()), left);
        t.same(await grantsLeft(store, ['ga', 'gb']), grants);
        t.same(
          changes,
          ['a', 'b', 'c'].filter((id) => !left.includes(id)).map((id) => `token-removed:${id}`),
          'only tokens are announced',
        );
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
      t.same(ids(await (await readOnDisk(t, path)).listTokens()), ['a', 'b']);
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

    t.test('a client token limit counts only tokens of the same grant type', async (t) => {
      const { store } = await openTestStore(t);
      await store.addClient(makeClient('cmix'));
      await store.addToken(makeToken('sessrefresh01', { clientId: 'cmix', kind: 'refresh_token', grantType: 'authorization_code' }));
      for (const id of ['sesscc000001', 'sesscc000002', 'sesscc000003']) {
        await store.addToken(makeToken(id, { clientId: 'cmix', grantType: 'client_credentials' }), { tokenLimitForClient: 1 });
      }
      const ids = (await store.listTokens()).map((token) => token.id).sort();
      t.same(ids, ['sesscc000003', 'sessrefresh01'], 'the refresh token of the code flow survives; only the newest client_credentials token is kept');
    });
  });
}
