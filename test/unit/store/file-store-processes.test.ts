/**
 * Several processes on one store file: the gateway (this process) and CLI commands (workers
 * running test/fixtures/store/store-worker.mjs on the compiled store). No write is lost, a
 * revocation made elsewhere is seen within a second, and `kill -9` in the middle of writing
 * leaves a valid store holding every acknowledged write. Every case runs with the file rewritten
 * per write and with writes taken in the journal (store-modes.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { StoreConflict } from '../../../src/errors.js';
import { parseStoreFile } from '../../../src/store/durable-json-file.js';
import { openFileStore } from '../../../src/store/file-store.js';
import type { TokenRecord } from '../../../src/store/records.js';
import type { Store } from '../../../src/store/store.js';
import { makeGrant, makeToken } from '../../fixtures/store/records.js';
import { readOnDisk, storeModes } from '../../fixtures/store/store-modes.js';
import { within } from '../../helpers/within.js';
import { startWorker } from '../../fixtures/store/worker.js';

const acked = (lines: string[]) => lines.filter((line) => line.startsWith('ok ')).map((line) => line.slice(3));

for (const mode of storeModes) {
  t.test(`${mode.name} mode`, async (t) => {
    t.test('three processes adding 100 tokens each at once lose none', async (t) => {
      const path = join(t.testdir(), 'store.json');
      const store = await openFileStore({ path, clock: systemClock, ...mode.options });
      t.teardown(() => store.close());
      const workers = ['w1', 'w2'].map((prefix) => startWorker(t, ['add', path, prefix, '100', '--wait', ...mode.workerArgs]));
      await Promise.all(workers.map((w) => w.waitFor((line) => line === 'ready', 10_000)));
      const started = performance.now();
      for (const worker of workers) worker.send('go');
      for (let i = 0; i < 100; i++) await store.addToken(makeToken(`parent-${i}`));
      await Promise.all(workers.map((w) => w.waitFor((line) => line === 'done', 60_000)));
      t.comment(`300 sequential writes from 3 processes: ${(performance.now() - started).toFixed(0)} ms`);
      for (const worker of workers) t.equal(acked(worker.lines).length, 100);
      const onDisk = (await (await readOnDisk(t, path)).listTokens()).map((token) => token.id);
      t.equal(onDisk.length, 300);
      t.equal(new Set(onDisk).size, 300);
      for (const prefix of ['parent', 'w1', 'w2']) {
        t.equal(onDisk.filter((id) => id.startsWith(`${prefix}-`)).length, 100, `all of ${prefix}'s tokens`);
      }
      await within(2000, async () => (await store.listTokens()).length === 300);
      t.same(
        (await readdir(t.testdirName)).sort(),
        mode.name === 'journal' ? ['store.json', 'store.json.journal'] : ['store.json'],
        'no lock or temp file left',
      );
    });

    t.test('a token revoked by another process stops being found here within a second', async (t) => {
      const path = join(t.testdir(), 'store.json');
      const store = await openFileStore({ path, clock: systemClock, ...mode.options });
      t.teardown(() => store.close());
      await store.addToken(makeToken('revoke-me'));
      await store.addToken(makeToken('keep-me'));
      let removedAt: number | undefined;
      const removed: TokenRecord[] = [];
      store.onChange((change) => {
        if (change.type !== 'token-removed') return;
        removed.push(change.token);
        removedAt = performance.now();
      });
      const worker = startWorker(t, ['remove', path, 'revoke-me', ...mode.workerArgs]);
      await worker.waitFor((line) => line === 'ok revoke-me', 10_000);
      const ackedAt = performance.now();
      await within(1000, () => removedAt !== undefined);
      const latencyMs = Math.max(0, (removedAt ?? ackedAt) - ackedAt);
      t.comment(`revocation seen ${latencyMs.toFixed(0)} ms after the other process acknowledged it`);
      t.ok(latencyMs < 1000);
      t.same(
        removed.map((token) => token.id),
        ['revoke-me'],
      );
      t.equal(await store.findToken('revoke-me'), undefined);
      t.ok(await store.findToken('keep-me'));
    });

    /**
     * Compare-and-set across processes: this process and two workers, released at once, each try
     * the same one-time write. The flush reloads the file under the lock before applying, so exactly
     * one of the three succeeds and the others get StoreConflict.
     */
    const races: {
      name: string;
      command: string;
      seed: (s: Store) => Promise<unknown>;
      act: (s: Store) => Promise<unknown>;
      check: (store: Store) => Promise<boolean>;
    }[] = [
      {
        name: 'markTokenUsed: of three processes exchanging one refresh token at once, exactly one wins',
        command: 'use',
        seed: (s) => s.addToken(makeToken('race', { kind: 'refresh_token', familyId: 'f' })),
        act: (s) => s.markTokenUsed('race', 2000),
        check: async (s) => (await s.findToken('race'))?.usedAt === 2000,
      },
      {
        name: 'updateGrant: of three processes redeeming one code at once, exactly one wins',
        command: 'redeem',
        seed: (s) => s.addGrant(makeGrant('race')),
        act: (s) => s.updateGrant('race', { status: 'used', usedAt: 2000 }, ['approved']),
        check: async (s) => (await s.findGrantByDigest(makeGrant('race').digest))?.status === 'used',
      },
    ];
    for (const { name, command, seed, act, check } of races) {
      t.test(name, async (t) => {
        const path = join(t.testdir(), 'store.json');
        const store = await openFileStore({ path, clock: systemClock, watch: false, ...mode.options });
        t.teardown(() => store.close());
        await seed(store);
        const workers = [0, 1].map(() => startWorker(t, [command, path, 'race', '--wait', ...mode.workerArgs]));
        await Promise.all(workers.map((w) => w.waitFor((line) => line === 'ready', 10_000)));
        for (const worker of workers) worker.send('go');
        const here = await act(store).then(
          () => 'ok race',
          (error: unknown) => {
            if (!(error instanceof StoreConflict)) throw error;
            return 'conflict race';
          },
        );
        const there = await Promise.all(
          workers.map((w) => w.waitFor((line) => line === 'ok race' || line === 'conflict race', 30_000)),
        );
        const outcomes = [here, ...there];
        t.equal(outcomes.filter((outcome) => outcome === 'ok race').length, 1, outcomes.join(', '));
        t.equal(outcomes.filter((outcome) => outcome === 'conflict race').length, 2);
        await Promise.all(workers.map((w) => w.exit));
        t.ok(await check(await readOnDisk(t, path)));
      });
    }

    t.test('kill -9 in the middle of writing leaves a valid file with every acknowledged write', async (t) => {
      const dir = t.testdir();
      const path = join(dir, 'store.json');
      const worker = startWorker(t, ['add', path, 'crash', '100000', ...mode.workerArgs]);
      await worker.waitFor((line) => line === 'ok crash-40', 30_000);
      await sleep(Math.random() * 20);
      worker.child.kill('SIGKILL');
      t.match(await worker.exit, { signal: 'SIGKILL' });
      const ids = acked(worker.lines);
      if (mode.name === 'snapshot') parseStoreFile(await readFile(path), path);
      const onDisk = new Set((await (await readOnDisk(t, path)).listTokens()).map((token) => token.id));
      t.ok(ids.length >= 41);
      t.same(
        ids.filter((id) => !onDisk.has(id)),
        [],
        'every acknowledged write is in the file',
      );
      t.ok(onDisk.size <= ids.length + 1, 'at most the write in flight is there unacknowledged');
      const leftovers = (await readdir(dir)).filter((name) => !/^store\.json(\.journal)?$/.test(name));
      t.comment(`left behind by the killed writer: ${leftovers.join(', ') || 'nothing'}`);

      const warnings: string[] = [];
      const store = await openFileStore({ path, clock: systemClock, watch: false, ...mode.options, warn: (m) => warnings.push(m) });
      t.teardown(() => store.close());
      const started = performance.now();
      await store.addToken(makeToken('after-crash'));
      t.comment(`first write after the crash took ${(performance.now() - started).toFixed(0)} ms (stale lock wait)`);
      t.ok(await store.findToken('after-crash'));
      t.ok(await store.findToken(ids.at(-1) as string));
      if (warnings.length > 0) t.comment(`after the crash: ${warnings.join('; ')}`);
      t.same(
        (await (await readOnDisk(t, path)).listTokens()).map((token) => token.id).filter((id) => !onDisk.has(id)),
        ['after-crash'],
        'a restart reads the acknowledged writes and the new one',
      );
    });
  });
}
