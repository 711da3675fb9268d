/**
 * Group commit: concurrent writes share one durable write. Writes are counted from outside the
 * store: every durable write renames a new file onto store.json, which inotify reports as one
 * `rename` event for that name (fs.watch on the directory).
 */
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { makeToken } from '../../fixtures/store/records.js';

function countReplacements(t: Test, path: string) {
  let count = 0;
  const watcher = watch(dirname(path), (event, name) => {
    if (event === 'rename' && name === basename(path)) count++;
  });
  t.teardown(() => watcher.close());
  return {
    /** Waits for events already caused to arrive, then reports how many. */
    async settled(): Promise<number> {
      await sleep(200);
      return count;
    },
  };
}

t.test('the watcher counts one event per write', async (t) => {
  const path = join(t.testdir(), 'store.json');
  const store = await openFileStore({ path, clock: systemClock, watch: false });
  t.teardown(() => store.close());
  const writes = countReplacements(t, path);
  for (let i = 0; i < 5; i++) await store.addToken(makeToken(`seq-${i}`));
  t.equal(await writes.settled(), 5);
});

t.test('200 concurrent addToken calls all land in a few writes', async (t) => {
  const path = join(t.testdir(), 'store.json');
  const store = await openFileStore({ path, clock: systemClock, watch: false });
  t.teardown(() => store.close());
  const writes = countReplacements(t, path);
  const started = performance.now();
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.addToken(makeToken(`c-${i}`))));
  const elapsedMs = performance.now() - started;
  const count = await writes.settled();
  t.ok(count >= 1 && count <= 3, `200 writes took ${count} durable file writes`);
  t.comment(`200 concurrent addToken: ${count} durable writes, ${elapsedMs.toFixed(1)} ms`);
  t.equal((await store.listTokens()).length, 200);
  t.equal(JSON.parse(await readFile(path, 'utf8')).tokens.length, 200);
});

t.test('writes arriving during a flush share the next one', async (t) => {
  const path = join(t.testdir(), 'store.json');
  const store = await openFileStore({ path, clock: systemClock, watch: false });
  t.teardown(() => store.close());
  const writes = countReplacements(t, path);
  const first = store.addToken(makeToken('first'));
  await sleep(0);
  const rest = Array.from({ length: 50 }, (_, i) => store.addToken(makeToken(`later-${i}`)));
  await Promise.all([first, ...rest]);
  t.ok((await writes.settled()) <= 2, 'the 50 late writes took at most one more write');
  t.equal((await store.listTokens()).length, 51);
});

t.test('sequential writes: time per durable write', async (t) => {
  const path = join(t.testdir(), 'store.json');
  const store = await openFileStore({ path, clock: systemClock, watch: false });
  t.teardown(() => store.close());
  const started = performance.now();
  for (let i = 0; i < 50; i++) await store.addToken(makeToken(`s-${i}`));
  const perWriteMs = (performance.now() - started) / 50;
  t.comment(`sequential addToken: ${perWriteMs.toFixed(2)} ms per durable write`);
  t.ok(perWriteMs < 500);
});
