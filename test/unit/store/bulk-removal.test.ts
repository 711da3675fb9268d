/**
 * Bulk removals (`auth reset`, `clients reset`, removing a client or a user with many tokens)
 * are written as batches of at most `bulkRemovalBatch` tokens, then the operation itself: every
 * process applies journal lines of a few ms each, and a reader takes a turn of the event loop
 * between them. Nothing is left behind: tokens made meanwhile go too, and the outcome on disk is
 * what the single write used to leave.
 */
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import type { Test } from 'tap';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { DurableJsonFile } from '../../../src/store/durable-json-file.js';
import { bulkRemovalBatch, openFileStore } from '../../../src/store/file-store.js';
import type { TokenRecord } from '../../../src/store/records.js';
import { makeClient, makeGrant, makeToken, makeUser } from '../../fixtures/store/records.js';
import { readOnDisk, storeModes } from '../../fixtures/store/store-modes.js';

const perOwner = Math.round(bulkRemovalBatch * 1.6);

/** alice's app passwords, the tokens of client c1 (owned by alice), of c2 (nobody's), and of bob. */
async function seededStore(t: Test, options = {}) {
  const path = join(t.testdir(), 'store.json');
  const tokens: TokenRecord[] = [];
  for (let i = 0; i < perOwner; i++) {
    tokens.push(makeToken(`alice${i}`, { kind: 'app_password', username: 'alice' }));
    tokens.push(makeToken(`c1-${i}`, { clientId: 'c1', grantType: 'client_credentials' }));
    tokens.push(makeToken(`c2-${i}`, { clientId: 'c2', grantType: 'client_credentials' }));
  }
  tokens.push(makeToken('bob0', { kind: 'app_password', username: 'bob' }));
  await new DurableJsonFile(path).write({
    version: 1,
    journal: { id: 'cd'.repeat(16), seq: 0 },
    users: [makeUser('alice'), makeUser('bob')],
    clients: [makeClient('c1', { username: 'alice' }), makeClient('c2')],
    tokens,
    grants: [makeGrant('g1')],
  });
  const store = await openFileStore({ path, clock: systemClock, watch: false, ...options });
  t.teardown(() => store.close());
  const removed: string[] = [];
  store.onChange((change) => {
    if (change.type === 'token-removed') removed.push(change.token.id);
  });
  return { path, store, removed };
}

const writesFor = (tokens: number) => Math.floor(tokens / bulkRemovalBatch) + 1 + 1; // full batches, the short one, the operation

for (const mode of storeModes) {
  t.test(`${mode.name} mode: auth reset removes every token in batches of ${bulkRemovalBatch}`, async (t) => {
    const { path, store, removed } = await seededStore(t, mode.options);
    const before = store.sizes.seq;
    await store.resetTokens();
    t.equal(store.sizes.seq - before, writesFor(3 * perOwner + 1), 'bounded writes, then the reset itself');
    t.equal(removed.length, 3 * perOwner + 1, 'every token announced once, so caches evict it');
    const onDisk = await readOnDisk(t, path);
    t.same(await onDisk.listTokens(), [], 'no token left on disk');
    t.equal(await onDisk.findGrantByDigest(makeGrant('g1').digest), undefined, 'nor a pending grant');
    t.equal((await onDisk.listUsers()).length, 2, 'users stay');
  });

  t.test(`${mode.name} mode: removing a user removes its tokens and its clients' in batches`, async (t) => {
    const { path, store, removed } = await seededStore(t, mode.options);
    const before = store.sizes.seq;
    await store.removeUser('Alice');
    t.equal(store.sizes.seq - before, writesFor(2 * perOwner), 'bounded writes, then the removal itself');
    t.equal(removed.length, 2 * perOwner);
    const onDisk = await readOnDisk(t, path);
    t.same((await onDisk.listUsers()).map((u) => u.username), ['bob']);
    t.same((await onDisk.listClients()).map((c) => c.clientId), ['c2'], "the user's client went too");
    const left = await onDisk.listTokens();
    t.equal(left.length, perOwner + 1, "c2's tokens and bob's stay");
    t.notOk(left.some((token) => token.username === 'alice' || token.clientId === 'c1'));
  });

  t.test(`${mode.name} mode: removing a client, and clients reset, in batches`, async (t) => {
    const { path, store } = await seededStore(t, mode.options);
    let before = store.sizes.seq;
    await store.removeClient('c2');
    t.equal(store.sizes.seq - before, writesFor(perOwner));
    before = store.sizes.seq;
    await store.resetClients();
    t.equal(store.sizes.seq - before, writesFor(perOwner));
    const onDisk = await readOnDisk(t, path);
    t.same(await onDisk.listClients(), []);
    t.same((await onDisk.listTokens()).map((token) => token.username).sort(), [...Array(perOwner).fill('alice'), 'bob'].sort(), 'only app passwords stay');
  });

  t.test(`${mode.name} mode: a missing user or client is still an error, and removes nothing`, async (t) => {
    const { store } = await seededStore(t, mode.options);
    await t.rejects(store.removeUser('nobody'), { name: 'StoreNotFound' });
    await t.rejects(store.removeClient('nope'), { name: 'StoreNotFound' });
    t.equal((await store.listTokens()).length, 3 * perOwner + 1);
  });
}

t.test('a token made during a bulk removal goes too', async (t) => {
  const { store } = await seededStore(t, storeModes[1]?.options);
  const reset = store.resetTokens();
  await tick();
  await store.addToken(makeToken('made-meanwhile', { clientId: 'c2' }));
  await reset;
  t.same(await store.listTokens(), []);
});

t.test("another process's bulk removal reaches a reader a batch at a time, between turns of its event loop", async (t) => {
  const { path, store } = await seededStore(t, storeModes[1]?.options);
  const reader = await openFileStore({ path, clock: systemClock, watch: false });
  t.teardown(() => reader.close());
  let ticks = 0;
  const removedInTurn = new Map<number, number>();
  reader.onChange((change) => {
    if (change.type === 'token-removed') removedInTurn.set(ticks, (removedInTurn.get(ticks) ?? 0) + 1);
  });
  await store.resetTokens();
  let ticking = true;
  void (async () => {
    while (ticking) {
      await tick();
      ticks++;
    }
  })();
  await reader.refresh();
  ticking = false;
  t.same(await reader.listTokens(), [], 'the reader holds no token afterwards');
  const counts = [...removedInTurn.values()];
  t.equal(
    counts.reduce((a, b) => a + b, 0),
    3 * perOwner + 1,
    'and announced each removal',
  );
  t.ok(Math.max(...counts) <= bulkRemovalBatch, `at most ${bulkRemovalBatch} removals applied in one turn of its event loop (${counts.join(', ')})`);
});
