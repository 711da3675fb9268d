/**
 * The usage recorder (src/credentials/token-usage.ts) on a real file store: uses are noted in
 * memory, written in one store write per interval (however many requests), merged into reads
 * before they are written, kept when a write fails, and written on close.
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import { createTokenUsage, type TokenUsageDeps } from '../../../src/credentials/token-usage.js';
import { openFileStore } from '../../../src/store/file-store.js';
import type { Store } from '../../../src/store/store.js';
import { makeToken } from '../../fixtures/store/records.js';
import { manualClock } from '../../helpers/manual-clock.js';

async function setup(t: Test, overrides: Partial<TokenUsageDeps> = {}) {
  const clock = manualClock(Date.UTC(2026, 0, 1, 12));
  const store = await openFileStore({ path: join(t.testdir(), 'store.json'), clock, watch: false });
  t.teardown(() => store.close());
  await store.addToken(makeToken('t1', { username: 'alice', kind: 'app_password' }));
  await store.addToken(makeToken('t2', { username: 'alice', kind: 'app_password' }));
  const timer: { tick?: () => void; ms?: number; stopped: boolean } = { stopped: false };
  const usage = createTokenUsage({
    store,
    clock,
    every: (callback, ms) => {
      timer.tick = callback;
      timer.ms = ms;
      return () => {
        timer.stopped = true;
      };
    },
    ...overrides,
  });
  t.teardown(() => usage.close());
  const seq = () => store.sizes.seq;
  return { clock, store, usage, timer, seq };
}

const nowS = (clock: { nowMs(): number }) => Math.floor(clock.nowMs() / 1000);

t.test('many uses, one write per interval, the latest time and address', async (t) => {
  const { clock, store, usage, timer, seq } = await setup(t);
  t.equal(timer.ms, 30_000, 'flushed every 30 s');
  const before = seq();
  for (let i = 0; i < 200; i++) {
    usage.record('t1', '192.0.2.1');
    if (i === 100) clock.advance(5_000);
  }
  usage.record('t1', '192.0.2.7');
  t.equal(seq(), before, 'no write on the request path');
  t.equal(usage.pending, 1);
  timer.tick?.();
  await usage.flush();
  t.equal(seq(), before + 1, 'one store write for 201 uses');
  t.match(await store.findToken('t1'), { lastUsedAt: nowS(clock), lastUsedFrom: '192.0.2.7' });
  t.equal((await store.findToken('t2'))?.lastUsedAt, undefined, 'an unused token is untouched');
  await usage.flush();
  t.equal(seq(), before + 1, 'nothing new: no write');
});

t.test('readers see the use before it is written', async (t) => {
  const { clock, store, usage } = await setup(t);
  const token = (await store.findToken('t1'))!;
  t.equal(usage.withPending(token), token, 'nothing pending: the record itself');
  usage.record('t1', '2001:db8::1');
  const merged = usage.withPending(token);
  t.match(merged, { id: 't1', lastUsedAt: nowS(clock), lastUsedFrom: '2001:db8::1' });
  t.ok(Object.isFrozen(merged));
  await usage.flush();
  const stored = (await store.findToken('t1'))!;
  clock.advance(1_000);
  usage.record('t1', '2001:db8::2');
  t.equal(usage.withPending(stored).lastUsedAt, nowS(clock), 'a later pending use wins');
  const later = { ...stored, lastUsedAt: nowS(clock) + 60 };
  t.equal(usage.withPending(later), later, 'a later stored use (another replica) wins');
});

t.test('a failed write keeps its uses for the next one; newer uses are not overwritten', async (t) => {
  const errors: unknown[] = [];
  const { clock, store, usage } = await setup(t, { onError: (error) => errors.push(error) });
  const failing = Object.create(store) as Store;
  let fail = true;
  failing.recordTokenUses = (uses) => (fail ? Promise.reject(new Error('disk full')) : store.recordTokenUses(uses));
  const flaky = createTokenUsage({ store: failing, clock, every: () => () => undefined, onError: (error) => errors.push(error) });
  flaky.record('t1', '192.0.2.1');
  await flaky.flush();
  t.equal(errors.length, 1, 'the failure is reported');
  t.equal(flaky.pending, 1, 'and the use kept');
  fail = false;
  await flaky.close();
  t.match(await store.findToken('t1'), { lastUsedFrom: '192.0.2.1' }, 'close writes what is left');
  t.equal(usage.pending, 0);
});

t.test('close stops the timer and writes; gone tokens are skipped; long addresses are cut', async (t) => {
  const { store, usage, timer } = await setup(t);
  usage.record('t2', 'x'.repeat(500));
  usage.record('gone', '192.0.2.1');
  await usage.close();
  t.ok(timer.stopped);
  t.equal((await store.findToken('t2'))?.lastUsedFrom?.length, 100);
  t.equal(await store.findToken('gone'), undefined);
});
