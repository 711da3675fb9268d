/**
 * The journal (src/store/store-journal.ts): a write is one durable line, the store file stays as
 * it is, a restart reads both; a line cut short by a crash is dropped by the next writer (and
 * said so), while a corrupt line or a journal that does not continue the store file stops the
 * start with an error naming the journal and never changes it.
 */
import { appendFile, copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { issueCredential } from '../../../src/credentials/issue-credential.js';
import { StoreCorrupt } from '../../../src/errors.js';
import { decodeChangeLine } from '../../../src/store/change-set.js';
import type { FileStoreOptions } from '../../../src/store/file-store.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { makeToken, makeUser } from '../../fixtures/store/records.js';
import { filesOf, readOnDisk } from '../../fixtures/store/store-modes.js';

const journalMode = { journalAboveBytes: 0, compactMinBytes: 2 ** 30 };

async function openJournaled(t: Test, path: string, options: Partial<FileStoreOptions> = {}) {
  const warnings: string[] = [];
  const store = await openFileStore({
    path,
    clock: systemClock,
    watch: false,
    ...journalMode,
    warn: (message) => warnings.push(message),
    ...options,
  });
  t.teardown(() => store.close());
  return { store, warnings };
}

/** A store whose file names its journal, with `count` tokens written as journal lines. */
async function journaledStore(t: Test, count: number, directory?: string) {
  const path = directory === undefined ? join(t.testdir(), 'store.json') : join(t.testdirName, directory, 'store.json');
  const { store, warnings } = await openJournaled(t, path);
  // The first write rewrites the store file to name its journal, then goes to the journal (1).
  await store.addUser(makeUser('alice'));
  for (let i = 0; i < count; i++) await store.addToken(makeToken(`t${i}`));
  return { path, journal: `${path}.journal`, store, warnings };
}

const dataLines = async (journal: string) => (await readFile(journal, 'utf8')).split('\n').slice(1, -1);
const tokenIds = async (t: Test, path: string) => (await (await readOnDisk(t, path)).listTokens()).map((x) => x.id);

t.test('a write appends one line to the journal and leaves the store file as it is', async (t) => {
  const { path, journal, store } = await journaledStore(t, 0);
  const before = await stat(path);
  const { secret, record } = await issueCredential(store, systemClock, {
    kind: 'app_password',
    name: 'phone',
    username: 'alice',
    clientId: null,
    scope: 'webdav',
    grantType: 'cli',
    ttlSeconds: null,
  });
  await store.removeToken(record.id);
  await store.addToken(makeToken('kept'));
  const after = await stat(path);
  t.equal(after.ino, before.ino, 'the store file was not rewritten');
  t.equal(after.mtimeMs, before.mtimeMs);
  t.equal((await stat(journal)).mode & 0o777, 0o600);
  const text = await readFile(journal, 'utf8');
  t.notOk(text.includes(secret), 'the secret is not in the journal');
  t.ok(text.includes(record.digest), 'its digest is');
  t.match(text.split('\n')[0], /^\{"journal":"[0-9a-f]{32}"\}$/, 'the first line names the journal');
  t.same(
    (await dataLines(journal)).map((line) => decodeChangeLine(line).seq),
    [1, 2, 3, 4],
    'one numbered line per write',
  );
  t.same(JSON.parse(await readFile(path, 'utf8')).journal.seq, 0, 'the store file holds none of them');
  t.same(await tokenIds(t, path), ['kept'], 'a restart reads the store file and the journal');
});

t.test('100 concurrent writes take one or two journal lines', async (t) => {
  const { journal, store } = await journaledStore(t, 0);
  await Promise.all(Array.from({ length: 100 }, (_, i) => store.addToken(makeToken(`c${i}`))));
  const lines = await dataLines(journal);
  t.ok(lines.length >= 1 && lines.length <= 2, `${lines.length} lines`);
  t.equal(
    lines.reduce((sum, line) => sum + decodeChangeLine(line).changes.tokens.size, 0),
    100,
  );
});

const tornTails: { name: string; tail: string | Buffer }[] = [
  { name: 'half a line', tail: '{"seq":9,"put":{"tokens":[{"id":"tor' },
  { name: 'zeros (a crash after the size grew, before the data)', tail: Buffer.alloc(300) },
  { name: 'a whole line without its newline', tail: JSON.stringify({ seq: 4, put: {}, delete: {} }) },
];
for (const { name, tail } of tornTails) {
  t.test(`a torn last line (${name}) is never read, and the next writer cuts it off with a warning`, async (t) => {
    const { path, journal } = await journaledStore(t, 2);
    await appendFile(journal, tail);
    const { store, warnings } = await openJournaled(t, path);
    t.same(
      (await store.listTokens()).map((x) => x.id),
      ['t0', 't1'],
      'a store opening on it reads the complete lines',
    );
    await store.addToken(makeToken('after'));
    t.equal(warnings.length, 1);
    t.match(warnings[0], new RegExp(`^${journal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: dropped an incomplete last line`));
    const lines = await dataLines(journal);
    t.same(
      lines.map((line) => decodeChangeLine(line).seq),
      [1, 2, 3, 4],
      'the new line follows the last complete one',
    );
    t.same(await tokenIds(t, path), ['t0', 't1', 'after']);
  });
}

const line = (seq: number, id: string) =>
  `${JSON.stringify({ seq, put: { tokens: [makeToken(id)] }, delete: {} })}\n`;
const corruptJournals: { name: string; edit: (text: string) => string; line: number }[] = [
  { name: 'a line that is not JSON, followed by a good one', edit: (x) => `${x}{"seq":3,\n${line(4, 'x')}`, line: 4 },
  {
    name: 'a line whose record is not a token',
    edit: (x) => `${x}${JSON.stringify({ seq: 3, put: { tokens: [{ id: 'x' }] } })}\n`,
    line: 4,
  },
  { name: 'an unknown table', edit: (x) => `${x}${JSON.stringify({ seq: 3, put: { sessions: [] } })}\n`, line: 4 },
  { name: 'a line without a sequence number', edit: (x) => `${x}${JSON.stringify({ put: {} })}\n`, line: 4 },
  { name: 'a sequence number skipped', edit: (x) => `${x}${line(4, 'x')}`, line: 4 },
  { name: 'a sequence number repeated (two writers)', edit: (x) => `${x}${line(2, 'x')}`, line: 4 },
  { name: 'a first line that does not name a journal', edit: (x) => `{"journal":"nope"}\n${x.split('\n').slice(1).join('\n')}`, line: 1 },
  { name: 'invalid UTF-8', edit: (x) => `${x}{"seq":3,"x":"\udc00"}\n`, line: 4 },
];
for (const { name, edit, line: lineNumber } of corruptJournals) {
  t.test(`a journal with ${name} is StoreCorrupt naming it and the line, and stays untouched`, async (t) => {
    const { path, journal, store } = await journaledStore(t, 1);
    await store.close();
    const edited = edit(await readFile(journal, 'utf8'));
    await writeFile(journal, name === 'invalid UTF-8' ? Buffer.concat([Buffer.from(edited.slice(0, -12)), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]) : edited);
    const before = await filesOf(path);
    const escaped = journal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await t.rejects(openFileStore({ path, clock: systemClock, watch: false }), {
      name: 'StoreCorrupt',
      message: new RegExp(`^${escaped}: line ${lineNumber}: `),
    });
    t.same(await filesOf(path), before);
  });
}

t.test('a journal that belongs to another store file is not applied, and the next write replaces it', async (t) => {
  t.testdir();
  const a = await journaledStore(t, 2, 'a');
  const b = await journaledStore(t, 1, 'b');
  await Promise.all([a.store.close(), b.store.close()]);
  await copyFile(a.journal, b.journal);
  const { store } = await openJournaled(t, b.path);
  t.same(
    (await store.listTokens()).map((x) => x.id),
    [],
    "b's store file alone: its own journal line is gone with its journal, a's lines are not b's",
  );
  await store.addToken(makeToken('b-new'));
  t.same(await tokenIds(t, b.path), ['b-new']);
});

t.test('a journal that continues a later store file (an old store file restored alone) is a start error', async (t) => {
  const { path, store } = await journaledStore(t, 2);
  const old = join(t.testdirName, 'old.json');
  await copyFile(path, old);
  await store.compact();
  await store.addToken(makeToken('after-compaction'));
  await store.close();
  await copyFile(old, path);
  await t.rejects(openFileStore({ path, clock: systemClock, watch: false }), StoreCorrupt);
  await t.rejects(openFileStore({ path, clock: systemClock, watch: false }), { message: /does not continue/ });
});

t.test("another process's lines are read from where this one stopped, and announced", async (t) => {
  const { path, store: writer } = await journaledStore(t, 1);
  const { store: reader } = await openJournaled(t, path);
  const seen: string[] = [];
  reader.onChange((change) => seen.push(change.type === 'token-removed' ? change.token.id : change.type));
  const first = await reader.findToken('t0');
  await writer.removeToken('t0');
  await writer.addToken(makeToken('t1'));
  await reader.refresh();
  t.same(seen, ['t0']);
  t.ok(await reader.findToken('t1'));
  t.equal(await reader.findToken('t0'), undefined);
  t.ok(first, 'the reader had it before');
});

t.test('a journal deleted under a running store loses nothing: the next write puts the store file back in step', async (t) => {
  const { path, journal, store } = await journaledStore(t, 2);
  await rm(journal);
  await store.addToken(makeToken('after'));
  t.same(await tokenIds(t, path), ['t0', 't1', 'after']);
  t.equal(JSON.parse(await readFile(path, 'utf8')).tokens.length, 2, 'the store file was rewritten from memory first');
});
