/**
 * Compaction (src/store/store-file.ts): the journal is folded into a new store file, writes made
 * meanwhile are kept, a crash between its two renames loses nothing, another process follows it
 * without reading the store file again, it starts by itself, and it writes a slice at a time.
 */
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import type { Test } from 'tap';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { DurableJsonFile, parseStoreFile } from '../../../src/store/durable-json-file.js';
import type { FileStoreOptions } from '../../../src/store/file-store.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { makeToken } from '../../fixtures/store/records.js';
import { readOnDisk } from '../../fixtures/store/store-modes.js';

const journalMode = { journalAboveBytes: 0, compactMinBytes: 2 ** 30 };

async function openJournaled(t: Test, path: string, options: Partial<FileStoreOptions> = {}) {
  const store = await openFileStore({ path, clock: systemClock, watch: false, ...journalMode, ...options });
  t.teardown(() => store.close());
  return store;
}

/** A store file of `count` tokens written directly, naming a journal, as photogate leaves it. */
async function bigStore(t: Test, count: number): Promise<string> {
  const path = join(t.testdir(), 'store.json');
  const tokens = Array.from({ length: count }, (_, i) => makeToken(`big${i}`));
  await new DurableJsonFile(path).write({ version: 1, journal: { id: 'cd'.repeat(16), seq: 0 }, users: [], clients: [], tokens, grants: [] });
  return path;
}

const journalLines = async (path: string) => (await readFile(`${path}.journal`, 'utf8')).split('\n').length - 2;
const tokenIds = async (t: Test, path: string) => (await (await readOnDisk(t, path)).listTokens()).map((x) => x.id);

t.test('compaction folds the journal into the store file, and a restart reads the same', async (t) => {
  const path = await bigStore(t, 10);
  const store = await openJournaled(t, path);
  for (let i = 0; i < 5; i++) await store.addToken(makeToken(`new${i}`));
  await store.removeToken('big0');
  t.equal(await journalLines(path), 6);
  await store.compact();
  t.equal(await journalLines(path), 0, 'the new journal holds only its first line');
  const file = parseStoreFile(await readFile(path), path);
  t.same(file.journal, { id: 'cd'.repeat(16), seq: 6 }, 'the same journal id, and the six writes it now holds');
  const expected = [...Array.from({ length: 9 }, (_, i) => `big${i + 1}`), ...Array.from({ length: 5 }, (_, i) => `new${i}`)];
  t.same(
    file.tokens.map((token) => token.id),
    expected,
  );
  t.same(await tokenIds(t, path), expected);
  t.equal((await stat(path)).mode & 0o777, 0o600);
  t.equal((await stat(`${path}.journal`)).mode & 0o777, 0o600);
  await store.addToken(makeToken('after'));
  t.same(await tokenIds(t, path), [...expected, 'after'], 'writes go on in the new journal');
});

t.test('writes made while a compaction runs are kept', async (t) => {
  const path = await bigStore(t, 9_000);
  const store = await openJournaled(t, path);
  await store.addToken(makeToken('first'));
  let compacting = true;
  const compaction = store.compact().finally(() => {
    compacting = false;
  });
  const during: string[] = [];
  while (compacting) {
    const id = `during${during.length}`;
    await Promise.all([store.addToken(makeToken(id)), store.addToken(makeToken(`${id}b`))]);
    during.push(id, `${id}b`);
  }
  await compaction;
  const ids = await tokenIds(t, path);
  t.equal(ids.length, 9_001 + during.length);
  t.same(ids.slice(-during.length - 1), ['first', ...during]);
  t.ok((await journalLines(path)) >= 1, `${during.length} writes went on during the compaction; the last ones were carried to the new journal`);
});

t.test('a crash between the store file and the journal being replaced loses nothing', async (t) => {
  const path = await bigStore(t, 3);
  const store = await openJournaled(t, path);
  for (let i = 0; i < 4; i++) await store.addToken(makeToken(`new${i}`));
  const oldJournal = join(t.testdirName, 'old.journal');
  await copyFile(`${path}.journal`, oldJournal);
  await store.compact();
  await store.close();
  await copyFile(oldJournal, `${path}.journal`); // as if the journal rename never happened
  const expected = ['big0', 'big1', 'big2', 'new0', 'new1', 'new2', 'new3'];
  t.same(await tokenIds(t, path), expected, 'lines the store file holds are skipped, not applied twice');
  const again = await openJournaled(t, path);
  await again.addToken(makeToken('later'));
  t.same(await tokenIds(t, path), [...expected, 'later']);
});

t.test('another process follows a compaction without reading the store file again', async (t) => {
  const path = await bigStore(t, 50);
  const writer = await openJournaled(t, path);
  const reader = await openJournaled(t, path);
  const changes: string[] = [];
  reader.onChange((change) => changes.push(change.type));
  const record = await reader.findToken('big7');
  await writer.addToken(makeToken('a'));
  await reader.refresh();
  await writer.compact();
  await writer.addToken(makeToken('b'));
  await reader.refresh();
  t.ok(await reader.findToken('a'));
  t.ok(await reader.findToken('b'));
  t.equal(await reader.findToken('big7'), record, 'the very same record object: nothing was reloaded');
  t.same(changes, []);
  await writer.compact();
  await writer.compact();
  await writer.addToken(makeToken('c'));
  await reader.refresh();
  t.ok(await reader.findToken('c'), 'also after two compactions between two reads (a full reload then)');
});

t.test('compaction starts by itself once the journal outgrows its share of the store file', async (t) => {
  const path = await bigStore(t, 100);
  const store = await openJournaled(t, path, { compactMinBytes: 0, compactRatio: 0.25 });
  const before = (await stat(path)).ino;
  for (let i = 0; i < 40 && (await stat(path)).ino === before; i++) {
    await store.addToken(makeToken(`n${i}`));
    await tick();
  }
  await store.close();
  t.not((await stat(path)).ino, before, 'a new store file was put in place');
  t.ok(store.sizes.journalBytes < 0.25 * store.sizes.snapshotBytes, 'and the journal started over');
  t.equal((await tokenIds(t, path)).length, 100 + store.sizes.seq);
});

t.test('compaction writes the new store file a slice at a time, the event loop turning in between', async (t) => {
  const path = await bigStore(t, 30_000);
  const store = await openJournaled(t, path);
  await store.addToken(makeToken('x'));
  const sizes = new Set<number>();
  let compacting = true;
  const compaction = store.compact().finally(() => {
    compacting = false;
  });
  while (compacting) {
    const temp = (await readdir(t.testdirName)).find((name) => name.endsWith('.tmp') && !name.includes('.journal.'));
    if (temp) sizes.add(await stat(join(t.testdirName, temp)).then((s) => s.size, () => -1));
    await tick();
  }
  await compaction;
  // A slice ends with a record's newline; a write caught half way ends anywhere (a page boundary).
  const written = await readFile(path);
  const sliceEnds = [...sizes].filter((size) => size > 0 && size < written.length && written[size - 1] === 0x0a);
  t.ok(sliceEnds.length >= 3, `seen ending at ${sliceEnds.length} slice ends while being written (sizes ${[...sizes].join(', ')})`);
  t.equal((await tokenIds(t, path)).length, 30_001);
});
