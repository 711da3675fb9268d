/**
 * The background purge (src/store/purge-expired.ts, purge-schedule.ts): expired tokens and
 * grants go in batches of at most 500 records, each one write; other writes and timers run
 * between the slices; a purge stops when the store closes; the gateway purges once at start.
 */
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import type { Test } from 'tap';
import t from 'tap';
import { pino } from 'pino';
import { systemClock } from '../../../src/clock.js';
import { DurableJsonFile } from '../../../src/store/durable-json-file.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { purgeBatchSize } from '../../../src/store/purge-expired.js';
import { schedulePurge } from '../../../src/store/purge-schedule.js';
import type { TokenRecord } from '../../../src/store/records.js';
import { makeGrant, makeToken } from '../../fixtures/store/records.js';
import { readOnDisk, storeModes } from '../../fixtures/store/store-modes.js';

const now = 5_000;

/** A store file written directly: `expired` tokens expiring before `now`, `live` after, `grants` expired grants. */
async function seededStore(t: Test, counts: { expired: number; live: number; grants?: number }, options = {}) {
  const path = join(t.testdir(), 'store.json');
  const tokens: TokenRecord[] = [];
  for (let i = 0; i < counts.expired; i++) tokens.push(makeToken(`old${i}`, { expiresAt: now - 1 - (i % 7) }));
  for (let i = 0; i < counts.live; i++) tokens.push(makeToken(`live${i}`, { expiresAt: i % 2 ? null : now + 1 }));
  const grants = Array.from({ length: counts.grants ?? 0 }, (_, i) => makeGrant(`g${i}`, { expiresAt: now }));
  await new DurableJsonFile(path).write({
    version: 1,
    journal: { id: 'ab'.repeat(16), seq: 0 },
    users: [],
    clients: [],
    tokens,
    grants,
  });
  const store = await openFileStore({ path, clock: systemClock, watch: false, ...options });
  t.teardown(() => store.close());
  return { path, store };
}

for (const mode of storeModes) {
  t.test(`${mode.name} mode: expired records go in batches of ${purgeBatchSize}, each one write`, async (t) => {
    const { path, store } = await seededStore(t, { expired: 2_500, live: 10, grants: 3 }, mode.options);
    const removed: string[] = [];
    store.onChange((change) => {
      if (change.type === 'token-removed') removed.push(change.token.id);
    });
    const before = store.sizes.seq;
    t.equal(await store.removeExpiredTokens(now), 2_503);
    t.equal(store.sizes.seq - before, Math.ceil(2_503 / purgeBatchSize), `writes of at most ${purgeBatchSize} records`);
    t.equal(removed.length, 2_500, 'every removed token is announced, so caches evict it');
    const left = (await (await readOnDisk(t, path)).listTokens()).map((token) => token.id);
    t.same(left, Array.from({ length: 10 }, (_, i) => `live${i}`), 'what a restart reads');
    t.equal(await store.removeExpiredTokens(now), 0, 'a second purge finds nothing');
    t.equal(store.sizes.seq - before, Math.ceil(2_503 / purgeBatchSize), 'and writes nothing');
  });
}

t.test('writes and timers go on between the slices of a purge', async (t) => {
  const { store } = await seededStore(t, { expired: 6_000, live: 0 }, storeModes[1]?.options);
  let ticks = 0;
  let ticking = true;
  void (async () => {
    while (ticking) {
      await tick();
      ticks++;
    }
  })();
  const order: string[] = [];
  const purge = store.removeExpiredTokens(now).then((n) => order.push(`purge ${n}`));
  await tick();
  const write = store.addToken(makeToken('during-purge', { expiresAt: null })).then(() => order.push('write'));
  await Promise.all([purge, write]);
  ticking = false;
  t.same(order, ['write', 'purge 6000'], 'a write made during the purge is acknowledged before the purge ends');
  t.ok(ticks >= 6_000 / purgeBatchSize, `the event loop turned ${ticks} times during the purge (${6_000 / purgeBatchSize} batches)`);
  t.ok(await store.findToken('during-purge'));
});

t.test('a purge stops at its next slice when the store closes', async (t) => {
  const { path, store } = await seededStore(t, { expired: 20_000, live: 1 }, storeModes[1]?.options);
  const purge = store.removeExpiredTokens(now);
  await tick();
  await tick();
  await store.close();
  const removed = await purge;
  t.ok(removed < 20_000, `${removed} removed before the close`);
  t.equal((await (await readOnDisk(t, path)).listTokens()).length, 20_001 - removed, 'what it removed is on disk');
});

t.test('the gateway purges once at start, and stopping waits for the purge', async (t) => {
  const { store } = await seededStore(t, { expired: 3, live: 1 });
  const logged: unknown[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const clock = { nowMs: () => now * 1000 };
  const schedule = schedulePurge(store, clock, logger, 60_000);
  await schedule.stop();
  t.same(
    (await store.listTokens()).map((token) => token.id),
    ['live0'],
  );
  t.match(logged, [{ msg: 'purged expired tokens and grants', removed: 3 }]);
});
