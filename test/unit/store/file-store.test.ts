/**
 * The file store: the store contract (store-contract.ts) in both write modes, and what only a
 * file has (its format, its permissions, files of the previous version).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { clientRecord, grantRecord, tokenRecord, userRecord } from '../../../src/store/records.js';
import { makeClient, makeGrant, makeToken, makeUser } from '../../fixtures/store/records.js';
import type { StoreMode } from '../../fixtures/store/store-modes.js';
import { filesOf, readOnDisk, storeModes } from '../../fixtures/store/store-modes.js';
import { describeChange, type OpenedStore, storeContract } from './store-contract.js';

async function openStoreIn(mode: StoreMode, t: Test, path = join(t.testdir(), 'store.json')): Promise<OpenedStore & { path: string }> {
  const store = await openFileStore({ path, clock: systemClock, watch: false, ...mode.options });
  t.teardown(() => store.close());
  const changes: string[] = [];
  store.onChange((change) => changes.push(describeChange(change)));
  return {
    store,
    path,
    changes,
    reopen: () => readOnDisk(t, path),
    // The bytes, and the inode: a rewrite with the same bytes is still a write.
    fingerprint: async () => ({ files: await filesOf(path), ino: (await stat(path)).ino }),
  };
}

for (const mode of storeModes) {
  t.test(`${mode.name} mode`, async (t) => {
    t.test('the store contract', async (t) => storeContract(t, { open: (t) => openStoreIn(mode, t) }));

  t.test('everything written is there after reopening, and only the records are in the file', async (t) => {
    const dir = t.testdir();
    const path = join(dir, 'store.json');
    const { store } = await openStoreIn(mode, t, path);
    await store.addUser(makeUser('dave'));
    await store.addClient(makeClient('c1', { username: 'dave' }));
    await store.addToken(makeToken('t1', { clientId: 'c1' }));
    await store.addToken(makeToken('t2', { username: 'dave', expiresAt: 5000 }));
    await store.addGrant(makeGrant('g1', { clientId: 'c1', username: 'dave' }));
    await store.close();
    const { store: reopened } = await openStoreIn(mode, t, path);
    t.same(
      (await reopened.listUsers()).map((u) => u.username),
      ['dave'],
    );
    t.same(
      (await reopened.listClients()).map((c) => c.clientId),
      ['c1'],
    );
    t.same((await reopened.listTokens()).map((token) => token.id), ['t1', 't2']);
    const grant = makeGrant('g1', { clientId: 'c1', username: 'dave' });
    t.same(await reopened.findGrantByDigest(grant.digest), grant);
    t.equal((await stat(path)).mode & 0o777, 0o600);
    if (mode.name === 'journal') {
      t.equal((await stat(`${path}.journal`)).mode & 0o777, 0o600);
      return;
    }
    const file = JSON.parse(await readFile(path, 'utf8'));
    t.same(Object.keys(file), ['version', 'journal', 'users', 'clients', 'tokens', 'grants', 'signingKeys']);
    t.match(file.journal, { id: /^[0-9a-f]{32}$/, seq: 5 }, 'the journal that continues it, and the five writes it holds');
    // Every field the schema requires; optional ones (an OIDC sign-in's, two-factor) only where they were set.
    const keysOf = (schema: { shape: object }, ...optional: string[]) =>
      Object.keys(schema.shape)
        .filter((k) => !optional.includes(k))
        .sort();
    for (const user of file.users) t.same(Object.keys(user).sort(), keysOf(userRecord, 'name', 'email', 'twoFactor', 'disabled'));
    for (const client of file.clients) t.same(Object.keys(client).sort(), keysOf(clientRecord, 'postLogoutRedirectUris'));
    for (const token of file.tokens) t.same(Object.keys(token).sort(), keysOf(tokenRecord, 'authTime', 'amr', 'sid', 'lastUsedAt', 'lastUsedFrom'));
    for (const grant of file.grants) t.same(Object.keys(grant).sort(), keysOf(grantRecord, 'authTime', 'amr', 'sid', 'nonce'));
  });

  t.test('a store file with a single recovery code (before code sets) loads as a one-code set', async (t) => {
    const twoFactor = { sealedSecret: 'v1.a.b.c', sealedRecoveryCode: null, recoveryCodeDigest: 'a'.repeat(64), verifiedAt: 1000, activatedAt: 1000, lastStep: 10 };
    const old = JSON.stringify({ version: 1, users: [{ ...makeUser('alice'), twoFactor }], clients: [], tokens: [] });
    const path = join(t.testdir({ 'store.json': old }), 'store.json');
    const { store } = await openStoreIn(mode, t, path);
    t.match((await store.findUser('alice'))?.twoFactor, { sealedRecoveryCodes: null, recoveryCodeDigests: ['a'.repeat(64)], activatedAt: 1000, lastStep: 10 });
    await store.useRecoveryCode('alice', 'a'.repeat(64));
    t.same((await (await readOnDisk(t, path)).findUser('alice'))?.twoFactor?.recoveryCodeDigests, [], 'written back in the new shape');
  });

  t.test('a store file of the previous version loads, and the next write adds the new fields', async (t) => {
    const oldClient: Record<string, unknown> = { ...makeClient('c1') };
    delete oldClient.redirectUris;
    const oldToken: Record<string, unknown> = { ...makeToken('t1', { clientId: 'c1' }) };
    delete oldToken.familyId;
    delete oldToken.usedAt;
    const old = JSON.stringify({ version: 1, users: [makeUser('alice')], clients: [oldClient], tokens: [oldToken] });
    const path = join(t.testdir({ 'store.json': old }), 'store.json');
    const { store } = await openStoreIn(mode, t, path);
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

  });
}
