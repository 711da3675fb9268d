/**
 * The Store contract (src/store/store.ts), one suite run against every implementation: the file
 * store in both its write modes (file-store.test.ts) and PostgreSQL (pg-store.test.ts). A case
 * that holds for one store only belongs in that store's own test file, not here.
 */
import { randomBytes } from 'node:crypto';
import { CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import type { Test } from 'tap';
import { StoreConflict, StoreNotFound } from '../../../src/errors.js';
import { createSigningKeys, type SigningAlg } from '../../../src/oidc/signing-keys.js';
import type { SigningKeyRecord } from '../../../src/store/records.js';
import type { GrantPatch, Store, StoreChange } from '../../../src/store/store.js';
import { digestOf, makeClient, makeGrant, makeToken, makeUser } from '../../fixtures/store/records.js';
import { manualClock } from '../../helpers/manual-clock.js';

export interface OpenedStore {
  store: Store;
  /** Every change announced, as `token-removed:<id>`, `user-changed:<name>`, `client-changed:<id>`. */
  changes: string[];
  /** A second store on the same data, as a restart would read it (closed in teardown). */
  reopen(): Promise<Store>;
  /** What is stored, byte for byte where the store can tell: equal before and after means nothing was written. */
  fingerprint(): Promise<unknown>;
}

export interface StoreHarness {
  /** A new, empty store for one test; closed in teardown. */
  open(t: Test): Promise<OpenedStore>;
}

export function describeChange(change: StoreChange): string {
  if (change.type === 'token-removed') return `token-removed:${change.token.id}`;
  if (change.type === 'user-changed') return `user-changed:${change.username}`;
  if (change.type === 'client-changed') return `client-changed:${change.clientId}`;
  return `all-changed:${change.coherent}`;
}

const ids = (records: readonly { id: string }[]) => records.map((r) => r.id);

/** The store has no listGrants: which of these grants (made by makeGrant) are still there. */
async function grantsLeft(store: Store, candidates: readonly string[]): Promise<string[]> {
  const found = await Promise.all(candidates.map((id) => store.findGrantByDigest(makeGrant(id).digest)));
  return candidates.filter((_, i) => found[i] !== undefined);
}

export function storeContract(t: Test, { open }: StoreHarness): void {
  t.test('users: usernames are case-insensitive and stored lower-cased', async (t) => {
    const { store, changes, reopen } = await open(t);
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
    t.same(await (await reopen()).listUsers(), []);
  });

  t.test('clients: add, find, list, update, remove', async (t) => {
    const { store, changes } = await open(t);
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
    const { store, changes } = await open(t);
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
    const { store, changes } = await open(t);
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

  t.test('listTokensOfUser: one user\'s tokens, oldest first, case-insensitive, current after changes', async (t) => {
    const { store } = await open(t);
    await store.addToken(makeToken('a1', { username: 'alice' }));
    await store.addToken(makeToken('b1', { username: 'bob' }));
    await store.addToken(makeToken('n1'));
    await store.addToken(makeToken('a2', { username: 'alice', kind: 'app_password' }));
    t.same(ids(await store.listTokensOfUser('Alice')), ['a1', 'a2']);
    t.same(ids(await store.listTokensOfUser('nobody')), []);
    await store.removeToken('a1');
    t.same(ids(await store.listTokensOfUser('alice')), ['a2'], 'a removed token is gone');
    t.ok(Object.isFrozen(await store.listTokensOfUser('alice')), 'frozen like every list');
  });

  t.test('markTokenUsed sets usedAt once, durably, and announces nothing', async (t) => {
    const { store, changes, reopen } = await open(t);
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
    t.equal((await (await reopen()).findToken('r1'))?.usedAt, 2000);
    t.same(changes, []);
  });

  /** Exactly one fulfilled, every other rejected with StoreConflict; the winner's value first. */
  function oneWinner<V>(t: Test, results: PromiseSettledResult<V>[]): [V | undefined, ...unknown[]] {
    const won = results.filter((r): r is PromiseFulfilledResult<V> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    t.equal(won.length, 1, 'exactly one wins');
    for (const r of lost) t.type(r.reason, StoreConflict);
    return [won[0]?.value, ...lost];
  }

  t.test('recordTokenUses: forward only, gone tokens skipped, durable, and no change announced here or elsewhere', async (t) => {
    const { store, changes, reopen, fingerprint } = await open(t);
    await store.addToken(makeToken('t1', { username: 'alice', kind: 'app_password' }));
    await store.addToken(makeToken('t2', { username: 'alice', kind: 'session' }));
    const other = await reopen();
    const otherChanges: string[] = [];
    other.onChange((change) => otherChanges.push(describeChange(change)));
    await other.refresh();
    otherChanges.length = 0;

    const uses = [
      { id: 't1', at: 2000, from: '192.0.2.1' },
      { id: 'gone', at: 2000, from: '192.0.2.1' },
      { id: 't2', at: 2100, from: '2001:db8::1' },
    ];
    t.equal(await store.recordTokenUses(uses), 2, 'two tokens moved forward');
    const t1 = await store.findToken('t1');
    t.match(t1, { id: 't1', lastUsedAt: 2000, lastUsedFrom: '192.0.2.1', usedAt: null });
    t.ok(Object.isFrozen(t1));
    t.same(await store.findTokenByDigest(makeToken('t1').digest), t1, 'found by digest with it');
    t.equal(await store.findToken('gone'), undefined, 'a gone token is not brought back');

    const before = await fingerprint();
    t.equal(await store.recordTokenUses([{ id: 't1', at: 1999, from: '192.0.2.9' }, { id: 't2', at: 2100, from: '192.0.2.9' }]), 0);
    t.equal(await store.recordTokenUses([]), 0);
    t.same(await fingerprint(), before, 'an older or equal use writes nothing');
    t.match(await store.findToken('t1'), { lastUsedAt: 2000, lastUsedFrom: '192.0.2.1' }, 'never moved back');

    // Another process on the same data, writing its own uses at once: the later time wins.
    await Promise.all([store.recordTokenUses([{ id: 't1', at: 3000, from: '192.0.2.3' }]), other.recordTokenUses([{ id: 't1', at: 2500, from: '192.0.2.2' }])]);
    await other.refresh();
    t.match(await other.findToken('t1'), { lastUsedAt: 3000, lastUsedFrom: '192.0.2.3' }, 'the other process sees the latest');
    t.match(await store.findToken('t1'), { lastUsedAt: 3000, lastUsedFrom: '192.0.2.3' });
    t.match(await (await reopen()).findToken('t2'), { lastUsedAt: 2100, lastUsedFrom: '2001:db8::1' }, 'durable');
    t.same(changes, [], 'no change announced: cached credentials stay');
    t.same(otherChanges, [], 'nor in the other process');

    await store.removeToken('t1');
    t.same(changes, ['token-removed:t1'], 'a removal after it is still announced');
  });

  t.test('markTokenUsed: of two concurrent exchanges of one token, exactly one wins', async (t) => {
    const { store } = await open(t);
    await store.addToken(makeToken('r1', { kind: 'refresh_token' }));
    const results = await Promise.allSettled([store.markTokenUsed('r1', 2000), store.markTokenUsed('r1', 2001)]);
    const [won, ...lost] = oneWinner(t, results);
    t.equal((await store.findToken('r1'))?.usedAt, won?.usedAt, 'the winner is what is stored');
    t.equal(lost.length, 1);
  });

  t.test('useTwoFactorStep: a time step is taken once, durably, even by two concurrent writes', async (t) => {
    const { store, changes, reopen } = await open(t);
    const twoFactor = { sealedSecret: 'v1.a.b.c', sealedRecoveryCodes: null, recoveryCodeDigests: ['a'.repeat(64)], verifiedAt: 1000, activatedAt: 1000, lastStep: 10 };
    await store.addUser(makeUser('alice', { twoFactor }));
    await store.addUser(makeUser('bob'));
    const results = await Promise.allSettled([store.useTwoFactorStep('alice', 11), store.useTwoFactorStep('Alice', 11)]);
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one of two takes the step');
    t.match(
      results.find((r) => r.status === 'fulfilled'),
      { value: { twoFactor: { lastStep: 11 } } },
    );
    t.match(
      results.find((r) => r.status === 'rejected'),
      { reason: StoreConflict },
    );
    await t.rejects(store.useTwoFactorStep('alice', 10), StoreConflict, 'an earlier step');
    await t.rejects(store.useTwoFactorStep('alice', 11), StoreConflict, 'the same step again');
    await t.rejects(store.useTwoFactorStep('bob', 11), StoreNotFound, 'no two-factor');
    await t.rejects(store.useTwoFactorStep('nobody', 11), StoreNotFound);
    t.same((await store.findUser('alice'))?.twoFactor, { ...twoFactor, lastStep: 11 }, 'the other fields stay');
    t.equal((await (await reopen()).findUser('alice'))?.twoFactor?.lastStep, 11);
    t.same(changes, [], 'using a step changes nothing cached');
    await store.updateUser('alice', { twoFactor: null }, 2000);
    t.notOk((await store.findUser('alice'))?.twoFactor, 'null turns it off');
    t.same(changes, ['user-changed:alice'], 'turning two-factor off does');
    await store.updateUser('alice', { twoFactor }, 2001);
    t.same((await store.findUser('alice'))?.twoFactor, twoFactor);
    t.same(changes, ['user-changed:alice', 'user-changed:alice'], 'and turning it on');
  });

  t.test('useRecoveryCode: a recovery code is consumed once, durably, even by two concurrent writes', async (t) => {
    const { store, changes, reopen } = await open(t);
    const [a, b, c] = ['a', 'b', 'c'].map((x) => x.repeat(64)) as [string, string, string];
    const twoFactor = { sealedSecret: 'v1.a.b.c', sealedRecoveryCodes: null, recoveryCodeDigests: [a, b, c], verifiedAt: 1000, activatedAt: 1000, lastStep: 10 };
    await store.addUser(makeUser('alice', { twoFactor }));
    await store.addUser(makeUser('bob'));
    const results = await Promise.allSettled([store.useRecoveryCode('alice', b), store.useRecoveryCode('Alice', b)]);
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one of two uses wins');
    t.match(results.find((r) => r.status === 'fulfilled'), { value: { twoFactor: { recoveryCodeDigests: [a, c] } } });
    t.match(results.find((r) => r.status === 'rejected'), { reason: StoreConflict });
    await t.rejects(store.useRecoveryCode('alice', b), StoreConflict, 'used already');
    await t.rejects(store.useRecoveryCode('alice', 'd'.repeat(64)), StoreConflict, 'never issued');
    await t.rejects(store.useRecoveryCode('bob', a), StoreNotFound, 'no two-factor');
    await t.rejects(store.useRecoveryCode('nobody', a), StoreNotFound);
    t.same((await store.findUser('alice'))?.twoFactor, { ...twoFactor, recoveryCodeDigests: [a, c] }, 'the other fields and codes stay');
    t.same((await (await reopen()).findUser('alice'))?.twoFactor?.recoveryCodeDigests, [a, c], 'durable');
    t.same(changes, [], 'using a recovery code changes nothing cached');
  });

  t.test('a two-factor record of the single-recovery-code shape is read as a set of that one code', async (t) => {
    const { store, reopen } = await open(t);
    const legacy = { sealedSecret: 'v1.a.b.c', sealedRecoveryCode: null, recoveryCodeDigest: 'a'.repeat(64), verifiedAt: 1000, activatedAt: 1000, lastStep: 10 };
    await store.addUser(makeUser('alice', { twoFactor: legacy as never }));
    const expected = { sealedSecret: 'v1.a.b.c', sealedRecoveryCodes: null, recoveryCodeDigests: ['a'.repeat(64)], verifiedAt: 1000, activatedAt: 1000, lastStep: 10 };
    t.same((await (await reopen()).findUser('alice'))?.twoFactor, expected);
    t.same((await store.useRecoveryCode('alice', 'a'.repeat(64))).twoFactor?.recoveryCodeDigests, [], 'and its code works once');
  });

  t.test('removeTokenFamily removes the family, announces each token, and resolves to the count', async (t) => {
    const { store, changes, fingerprint } = await open(t);
    await store.addToken(makeToken('a1', { familyId: 'f1' }));
    await store.addToken(makeToken('r1', { kind: 'refresh_token', familyId: 'f1', usedAt: 1500 }));
    await store.addToken(makeToken('other', { familyId: 'f2' }));
    await store.addToken(makeToken('r2', { kind: 'refresh_token', familyId: 'f1' }));
    await store.addToken(makeToken('none'));
    t.equal(await store.removeTokenFamily('f1'), 3);
    t.same(ids(await store.listTokens()), ['other', 'none']);
    t.same(changes, ['token-removed:a1', 'token-removed:r1', 'token-removed:r2']);
    const before = await fingerprint();
    t.equal(await store.removeTokenFamily('f1'), 0);
    t.equal(await store.removeTokenFamily('unknown'), 0);
    t.same(await fingerprint(), before, 'removing nothing writes nothing');
    t.equal(changes.length, 3);
  });

  t.test('grants: add, find by digest and user code, compare-and-set updates, no events', async (t) => {
    const { store, changes, reopen } = await open(t);
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

    const disk = await reopen();
    t.same([await disk.findGrantByDigest(code.digest), await disk.findGrantByDigest(device.digest)], [used, approved]);
    t.same(changes, []);
  });

  t.test('updateGrant: of two redemptions of one code in one batch, exactly one wins', async (t) => {
    const { store } = await open(t);
    await store.addGrant(makeGrant('g1'));
    const redeem = (now: number) => store.updateGrant('g1', { status: 'used', usedAt: now }, ['approved']);
    const results = await Promise.allSettled([redeem(1100), redeem(1101), redeem(1102)]);
    const [won] = oneWinner(t, results);
    t.match(won, { status: 'used' });
    t.equal((await store.findGrantByDigest(makeGrant('g1').digest))?.usedAt, won?.usedAt, 'the winner is what is stored');
  });

  t.test('everything written is there after reopening', async (t) => {
    const { store, reopen } = await open(t);
    await store.addUser(makeUser('dave'));
    await store.addClient(makeClient('c1', { username: 'dave' }));
    await store.addToken(makeToken('t1', { clientId: 'c1' }));
    await store.addToken(makeToken('t2', { username: 'dave', expiresAt: 5000 }));
    await store.addGrant(makeGrant('g1', { clientId: 'c1', username: 'dave' }));
    await store.close();
    const reopened = await reopen();
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
  });

  t.test('returned records and lists are frozen', async (t) => {
    const { store } = await open(t);
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
      const { store, changes, fingerprint } = await open(t);
      await store.addUser(makeUser('alice'));
      await store.addClient(makeClient('c1'));
      await store.addToken(makeToken('t1'));
      const grant = makeGrant('g1', { kind: 'device_code', status: 'pending', userCodeDigest: digestOf('user-code-1') });
      await store.addGrant(grant);
      const before = await fingerprint();
      await t.rejects(act(store), error);
      t.same(await fingerprint(), before, 'nothing was written');
      t.same(changes, []);
      t.equal((await store.listTokens()).length, 1);
      t.equal((await store.findUser('alice'))?.role, 'user');
      t.same(await store.findGrantByDigest(grant.digest), grant);
    });
  }

  t.test('a refused write in a batch fails alone', async (t) => {
    const { store } = await open(t);
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
    t.same(ids(await store.listTokens()).sort(), ['a', 'b']);
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
      const { store, changes, reopen } = await open(t);
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
      await check(await reopen());
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
      const { store, changes } = await open(t);
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
        const { store, changes } = await open(t);
        await store.addToken(makeToken('other-0', { clientId: 'c2' }));
        const add = (i: number) =>
          store.addToken(makeToken(`c1-${i}`, { clientId: 'c1' }), { tokenLimitForClient: limit as number });
        if (concurrent) await Promise.all([0, 1, 2, 3, 4].map(add));
        else for (const i of [0, 1, 2, 3, 4]) await add(i);
        await store.addToken(makeToken('free'), { tokenLimitForClient: 1 });
        const tokens = ids(await store.listTokens());
        if (!concurrent) {
          t.same(tokens, ['other-0', ...kept, 'free']);
          const evicted = ['c1-0', 'c1-1', 'c1-2', 'c1-3', 'c1-4'].filter((id) => !kept.includes(id));
          t.same(changes, evicted.map((id) => `token-removed:${id}`));
          return;
        }
        // Concurrent adds land in an order the store picks: as many are kept, the newest.
        const keptNow = tokens.filter((id) => id.startsWith('c1-'));
        t.same([tokens[0], tokens.at(-1), keptNow.length], ['other-0', 'free', kept.length]);
        const evicted = changes.map((change) => change.replace('token-removed:', ''));
        t.same([...keptNow, ...evicted].sort(), ['c1-0', 'c1-1', 'c1-2', 'c1-3', 'c1-4']);
      });
    }
  }

  t.test('close waits for queued writes; then every call rejects', async (t) => {
    const { store, reopen } = await open(t);
    const writes = [store.addToken(makeToken('a')), store.addToken(makeToken('b'))];
    await store.close();
    await Promise.all(writes);
    t.same(ids(await (await reopen()).listTokens()), ['a', 'b']);
    await t.rejects(store.findToken('a'));
    await t.rejects(store.listUsers());
    await t.rejects(store.addToken(makeToken('c')));
    await t.resolves(store.close());
  });

  t.test('onChange returns an unsubscribe function', async (t) => {
    const { store } = await open(t);
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
    const { store } = await open(t);
    await store.addClient(makeClient('cmix'));
    await store.addToken(makeToken('sessrefresh01', { clientId: 'cmix', kind: 'refresh_token', grantType: 'authorization_code' }));
    for (const id of ['sesscc000001', 'sesscc000002', 'sesscc000003']) {
      await store.addToken(makeToken(id, { clientId: 'cmix', grantType: 'client_credentials' }), { tokenLimitForClient: 1 });
    }
    const ids = (await store.listTokens()).map((token) => token.id).sort();
    t.same(ids, ['sesscc000003', 'sessrefresh01'], 'the refresh token of the code flow survives; only the newest client_credentials token is kept');
  });

  // Issue 14: an admin disables and enables a user.
  t.test('users: disabled is optional (older records have none), patched, announced, and kept', async (t) => {
    const { store, changes, reopen } = await open(t);
    await store.addUser(makeUser('alice'));
    t.equal((await store.findUser('alice'))?.disabled, undefined, 'a user without the flag is enabled');
    const disabled = await store.updateUser('alice', { disabled: true }, 2000);
    t.equal(disabled.disabled, true);
    t.same(changes, ['user-changed:alice'], 'disabling evicts what was cached for the user');
    t.same(await (await reopen()).findUser('alice'), disabled, 'it survives a restart');
    await store.updateUser('alice', { disabled: true }, 2001);
    t.same(changes, ['user-changed:alice'], 'disabling again announces nothing');
    t.equal((await store.updateUser('alice', { disabled: false }, 2002)).disabled, false);
    t.same(changes, ['user-changed:alice', 'user-changed:alice'], 'enabling does');
  });

  // Issue 15: OpenID Connect's records and fields.

  t.test('users: a stable id is given when none is set and kept; name and email are stored and patched', async (t) => {
    const { store, changes, reopen } = await open(t);
    await store.addUser(makeUser('alice', { name: 'Alice Liddell', email: 'alice@example.org' }));
    await store.addUser(makeUser('bob', { id: 'u-bob-given' }));
    const alice = await store.findUser('alice');
    t.match(alice, { name: 'Alice Liddell', email: 'alice@example.org' });
    t.match(alice?.id, /^u[0-9a-f]{24}$/, 'a random id when the user had none');
    t.equal((await store.findUser('bob'))?.id, 'u-bob-given', 'a given id is kept');
    const updated = await store.updateUser('alice', { name: 'Alice L.', email: 'al@example.org' }, 2000);
    t.match(updated, { id: alice?.id, name: 'Alice L.', email: 'al@example.org', updatedAt: 2000 });
    t.same(changes, [], 'name and email are nothing a credential cache holds');
    t.same(await (await reopen()).findUser('alice'), updated, 'all of it survives a restart');
  });

  t.test('clients: post-logout redirect URIs are stored, replaced by an update, and absent when never set', async (t) => {
    const { store, reopen } = await open(t);
    await store.addClient(makeClient('c1', { postLogoutRedirectUris: ['https://a.example/bye'] }));
    await store.addClient(makeClient('c2'));
    t.same((await store.findClient('c1'))?.postLogoutRedirectUris, ['https://a.example/bye']);
    t.equal((await store.findClient('c2'))?.postLogoutRedirectUris, undefined);
    const updated = await store.updateClient('c1', { postLogoutRedirectUris: ['https://b.example/bye', 'com.example.app:/bye'] }, 3000);
    t.same(updated.postLogoutRedirectUris, ['https://b.example/bye', 'com.example.app:/bye']);
    t.same(await (await reopen()).findClient('c1'), updated);
  });

  t.test('tokens and grants carry how the user signed in, and a code its nonce', async (t) => {
    const { store, reopen } = await open(t);
    const signIn = { authTime: 1500, amr: ['pwd', 'otp'], sid: 'sid-1' };
    const token = makeToken('t1', { kind: 'refresh_token', grantType: 'authorization_code', familyId: 't1', ...signIn });
    const grant = makeGrant('g1', { nonce: 'n-0S6_WzA2Mj', ...signIn });
    await store.addToken(token);
    await store.addGrant(grant);
    t.same(await store.findToken('t1'), token);
    t.same(await store.findGrantByDigest(grant.digest), grant);
    const used = await store.updateGrant('g1', { status: 'used', usedAt: 1501 }, ['approved']);
    t.match(used, { nonce: 'n-0S6_WzA2Mj', ...signIn, status: 'used' }, 'an update keeps them');
    const again = await reopen();
    t.same(await again.findToken('t1'), token);
    t.same(await again.findGrantByDigest(grant.digest), used);
  });

  t.test('consent grants: added, found by digest, updated, removed with their user and client', async (t) => {
    const { store } = await open(t);
    await store.addUser(makeUser('alice'));
    await store.addUser(makeUser('bob'));
    await store.addClient(makeClient('c1'));
    const consent = (id: string, username: string) =>
      makeGrant(id, { kind: 'consent', username, scope: 'openid profile', redirectUri: null, expiresAt: 99_999 });
    await store.addGrant(consent('ca', 'alice'));
    await store.addGrant(consent('cb', 'bob'));
    t.equal((await store.findGrantByDigest(makeGrant('ca').digest))?.kind, 'consent');
    const denied = await store.updateGrant('ca', { status: 'denied' }, ['approved']);
    t.equal(denied.status, 'denied');
    await t.rejects(store.updateGrant('ca', { status: 'denied' }, ['approved']), StoreConflict);
    t.equal(await store.removeExpiredTokens(2000), 0, 'not expired: kept');
    await store.removeUser('alice');
    t.same(await grantsLeft(store, ['ca', 'cb']), ['cb'], "a user's consents go with the user");
    await store.removeClient('c1');
    t.same(await grantsLeft(store, ['ca', 'cb']), [], "a client's consents go with the client");
  });

  const key = (kid: string, overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord => ({
    kid,
    alg: 'RS256',
    publicJwk: JSON.stringify({ kty: 'RSA', n: kid, e: 'AQAB' }),
    privateJwe: `${kid}..iv.ciphertext.tag`,
    createdAt: 1000,
    publishedUntil: null,
    ...overrides,
  });

  t.test('signing keys: an add retires the keys that signed and drops those past their publication, in one write', async (t) => {
    const { store, changes, reopen } = await open(t);
    t.same(await store.listSigningKeys(), []);
    await store.addSigningKey(key('k1'), { publishedUntil: 5000, nowSeconds: 1000 });
    t.same(await store.listSigningKeys(), [key('k1')]);
    await store.addSigningKey(key('k2', { createdAt: 2000 }), { publishedUntil: 6000, nowSeconds: 2000 });
    t.same(
      (await store.listSigningKeys()).map((k) => [k.kid, k.publishedUntil]),
      [
        ['k1', 6000],
        ['k2', null],
      ],
      'the old key stays published until its tokens expire; the new one signs',
    );
    await store.addSigningKey(key('k3', { createdAt: 6000 }), { publishedUntil: 9000, nowSeconds: 6000 });
    const keys = await store.listSigningKeys();
    t.same(
      keys.map((k) => [k.kid, k.publishedUntil]),
      [
        ['k2', 9000],
        ['k3', null],
      ],
      'a key whose publication has ended is removed by the next add',
    );
    t.ok(keys.every((k) => Object.isFrozen(k)));
    t.same(await (await reopen()).listSigningKeys(), keys, 'all of it survives a restart');
    t.same(changes, [], 'keys are read from the store each time: nothing to announce to caches');
  });

  const refusedKeys: { name: string; act: (s: Store) => Promise<unknown>; error: new (...args: never[]) => Error }[] = [
    { name: 'a kid that exists', act: (s) => s.addSigningKey(key('k1', { createdAt: 3000 }), { publishedUntil: 9000, nowSeconds: 3000 }), error: StoreConflict },
    { name: 'a key that breaks the schema', act: (s) => s.addSigningKey(key('k9', { alg: 'HS256' as 'RS256' }), { publishedUntil: 9000, nowSeconds: 3000 }), error: TypeError },
  ];
  for (const { name, act, error } of refusedKeys) {
    t.test(`signing keys refused: ${name}; nothing changes`, async (t) => {
      const { store, fingerprint } = await open(t);
      await store.addSigningKey(key('k1'), { publishedUntil: 5000, nowSeconds: 1000 });
      const before = await fingerprint();
      await t.rejects(act(store), error);
      t.same(await fingerprint(), before);
      t.same(await store.listSigningKeys(), [key('k1')], 'the signing key was not retired');
    });
  }

  t.test('signing keys: two adds at once leave one key signing, the other retired', async (t) => {
    const { store } = await open(t);
    await Promise.all([
      store.addSigningKey(key('ka'), { publishedUntil: 5000, nowSeconds: 1000 }),
      store.addSigningKey(key('kb'), { publishedUntil: 5000, nowSeconds: 1000 }),
    ]);
    const keys = await store.listSigningKeys();
    t.equal(keys.length, 2);
    t.equal(keys.filter((k) => k.publishedUntil === null).length, 1, 'exactly one signs');
  });

  t.test('signing keys on this store (createSigningKeys): made once, stored encrypted, rotated, dropped', async (t) => {
    const { store, reopen } = await open(t);
    const clock = manualClock();
    const secret = randomBytes(32);
    const keysOf = (alg: SigningAlg, bytes: Uint8Array = secret) =>
      createSigningKeys({ store, clock, alg, secret: async () => bytes, idTokenTtlSeconds: 3600 });
    const keys = keysOf('RS256');

    const [a, b] = await Promise.all([keys.current(), keys.current()]);
    t.equal(a.kid, b.kid, 'requests at once share one new key');
    const [record, ...others] = await store.listSigningKeys();
    t.equal(others.length, 0);
    t.match(record?.privateJwe, /^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/, 'a compact JWE with direct encryption (empty encrypted key)');
    t.notMatch(JSON.stringify(record), /"d":|"p":|"q":/, 'no private key material in clear');

    const jws = await new CompactSign(new TextEncoder().encode('x')).setProtectedHeader({ alg: 'RS256', kid: a.kid }).sign(a.key);
    const published = (await keys.jwks()).keys[0] as JWK;
    t.ok(await compactVerify(jws, await importJWK(published, 'RS256')), 'the published key verifies what the private key signs');

    clock.advance(1000_000);
    const second = await keys.rotate();
    const now = Math.floor(clock.nowMs() / 1000);
    t.equal((await keys.current()).kid, second.kid, 'the new key signs');
    t.same((await keys.jwks()).keys.map((k) => k.kid).sort(), [a.kid, second.kid].sort(), 'both are published');
    t.equal((await store.listSigningKeys()).find((k) => k.kid === a.kid)?.publishedUntil, now + 3600 + 60);

    clock.advance((3600 + 61) * 1000);
    t.same((await keys.jwks()).keys.map((k) => k.kid), [second.kid], 'past its last token, the old key is no longer published');
    const third = await keys.rotate();
    t.same((await store.listSigningKeys()).map((k) => k.kid).sort(), [second.kid, third.kid].sort(), 'and the next rotation removes it');

    const es = await keysOf('ES256').current();
    t.equal(es.alg, 'ES256', 'a change of oidc.signingAlg rotates to a key of that kind');
    t.same(
      (await (await reopen()).listSigningKeys()).map((k) => k.kid).sort(),
      (await store.listSigningKeys()).map((k) => k.kid).sort(),
      'all of it is stored',
    );
    await t.rejects(keysOf('ES256', new Uint8Array(32)).current(), /needs the same file/, 'another secret cannot decrypt the stored keys, and says what to do');
  });
}
