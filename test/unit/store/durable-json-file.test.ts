import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { systemClock } from '../../../src/clock.js';
import { StoreCorrupt } from '../../../src/errors.js';
import { DurableJsonFile } from '../../../src/store/durable-json-file.js';
import { openFileStore } from '../../../src/store/file-store.js';
import type { StoreData } from '../../../src/store/records.js';
import { emptyStoreData } from '../../../src/store/records.js';
import { digestOf, makeClient, makeGrant, makeToken, makeUser } from '../../fixtures/store/records.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const sample: StoreData = {
  version: 1,
  users: [makeUser('alice')],
  clients: [makeClient('c1')],
  tokens: [makeToken('t1')],
  grants: [makeGrant('g1')],
  signingKeys: [],
};

t.test('a missing file becomes a new empty store, 0600 in a new 0700 directory', async (t) => {
  const dir = join(t.testdir(), 'state', 'nested');
  const path = join(dir, 'store.json');
  t.same(await new DurableJsonFile(path).read(), emptyStoreData());
  t.equal(await mode(dir), 0o700);
  t.equal(await mode(path), 0o600);
  t.same(JSON.parse(await readFile(path, 'utf8')), emptyStoreData());
  t.same(await readdir(dir), ['store.json'], 'no temp file left behind');
});

t.test('two processes creating the store at once both read the one file', async (t) => {
  const path = join(t.testdir(), 'store.json');
  const [a, b] = await Promise.all([new DurableJsonFile(path).read(), new DurableJsonFile(path).read()]);
  t.same(a, emptyStoreData());
  t.same(b, emptyStoreData());
  t.same(await readdir(t.testdirName), ['store.json']);
});

t.test('write then read round-trips, replaces a 0644 file with a 0600 one, leaves no temp file', async (t) => {
  const dir = t.testdir({ 'store.json': JSON.stringify(emptyStoreData()) });
  const path = join(dir, 'store.json');
  await chmod(path, 0o644);
  const file = new DurableJsonFile(path);
  await file.write(sample);
  t.equal(await mode(path), 0o600);
  t.same(await readdir(dir), ['store.json']);
  t.same(await new DurableJsonFile(path).read(), sample);
  t.same(Object.keys(JSON.parse(await readFile(path, 'utf8'))), ['version', 'users', 'clients', 'tokens', 'grants', 'signingKeys']);
});

t.test('each write makes a new inode and records its identity', async (t) => {
  const path = join(t.testdir(), 'store.json');
  const file = new DurableJsonFile(path);
  await file.read();
  const before = (await stat(path)).ino;
  await file.write(sample);
  const after = await stat(path);
  t.not(after.ino, before);
  t.same(file.identity, { ino: after.ino, size: after.size, mtimeMs: after.mtimeMs });
});

t.test('the file is written one record per line, naming its journal first', async (t) => {
  const path = join(t.testdir(), 'store.json');
  await new DurableJsonFile(path).write({ ...sample, journal: { id: 'ef'.repeat(16), seq: 7 } });
  const text = await readFile(path, 'utf8');
  t.same(text.split('\n'), [
    `{"version":1,"journal":{"id":"${'ef'.repeat(16)}","seq":7},`,
    '"users":[',
    JSON.stringify(sample.users[0]),
    '],',
    '"clients":[',
    JSON.stringify(sample.clients[0]),
    '],',
    '"tokens":[',
    JSON.stringify(sample.tokens[0]),
    '],',
    '"grants":[',
    JSON.stringify(sample.grants[0]),
    '],',
    '"signingKeys":[',
    ']}',
    '',
  ]);
  t.same(JSON.parse(text), { ...sample, journal: { id: 'ef'.repeat(16), seq: 7 } }, 'it is plain JSON');
  t.same(await new DurableJsonFile(path).read(), { ...sample, journal: { id: 'ef'.repeat(16), seq: 7 } });
});

t.test('a store in another JSON layout (an older photogate, an editor) loads', async (t) => {
  const two = { ...sample, tokens: [makeToken('t1'), makeToken('t2')] };
  for (const text of [JSON.stringify(two, null, 2), JSON.stringify(two), ` ${JSON.stringify(two)}\n\n`]) {
    const dir = t.testdir({ 'store.json': text });
    t.same(await new DurableJsonFile(join(dir, 'store.json')).read(), two);
  }
});

t.test('a UTF-8 byte order mark is tolerated', async (t) => {
  const dir = t.testdir({ 'store.json': `\uFEFF${JSON.stringify(sample)}` });
  t.same(await new DurableJsonFile(join(dir, 'store.json')).read(), sample);
});

const good = JSON.stringify(sample);
const lineLayout = (users: string) =>
  `{"version":1,\n"users":[\n${users}\n],\n"clients":[\n],\n"tokens":[\n],\n"grants":[\n]}\n`;
const user = JSON.stringify(makeUser('a'));
const corruptCases: { name: string; content: string | Buffer }[] = [
  { name: 'a trailing comma in the line layout', content: lineLayout(`${user},`) },
  { name: 'two records without a comma in the line layout', content: lineLayout(`${user}\n${user.replace('"a"', '"b"')}`) },
  { name: 'a line layout cut short', content: lineLayout(user).slice(0, -20) },
  {
    name: 'a journal pointer that is not one',
    content: lineLayout(user).replace('{"version":1,', '{"version":1,"journal":{"id":"x","seq":1},'),
  },
  { name: 'null', content: 'null' },
  { name: 'an array', content: '[]' },
  { name: 'an empty object', content: '{}' },
  { name: 'an empty file', content: '' },
  { name: 'a BOM and null', content: '\uFEFFnull' },
  { name: 'truncated JSON', content: good.slice(0, good.length - 20) },
  { name: 'another version', content: JSON.stringify({ ...sample, version: 2 }) },
  { name: 'users not an array', content: JSON.stringify({ ...sample, users: {} }) },
  { name: 'a token with a numeric id', content: JSON.stringify({ ...sample, tokens: [{ ...makeToken('x'), id: 7 }] }) },
  {
    name: 'a token with a bad digest',
    content: JSON.stringify({ ...sample, tokens: [makeToken('x', { digest: 'abc' })] }),
  },
  {
    name: 'a user with an unknown role',
    content: JSON.stringify({ ...sample, users: [{ ...makeUser('a'), role: 'root' }] }),
  },
  {
    name: 'a string expiresAt',
    content: JSON.stringify({ ...sample, tokens: [{ ...makeToken('x'), expiresAt: '2030' }] }),
  },
  { name: 'invalid UTF-8', content: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
  { name: 'grants not an array', content: JSON.stringify({ ...sample, grants: {} }) },
  {
    name: 'a grant with an unknown status',
    content: JSON.stringify({ ...sample, grants: [{ ...makeGrant('g'), status: 'revoked' }] }),
  },
  {
    name: 'a grant without expiresAt',
    content: JSON.stringify({ ...sample, grants: [{ ...makeGrant('g'), expiresAt: undefined }] }),
  },
  {
    name: 'a client whose redirect URIs are not strings',
    content: JSON.stringify({ ...sample, clients: [{ ...makeClient('c'), redirectUris: [1] }] }),
  },
  {
    name: 'a token with a string usedAt',
    content: JSON.stringify({ ...sample, tokens: [{ ...makeToken('x'), usedAt: 'yesterday' }] }),
  },
];
const duplicateCases: { name: string; content: string }[] = [
  {
    name: 'two users differing in case',
    content: JSON.stringify({ ...sample, users: [makeUser('bob'), makeUser('Bob')] }),
  },
  {
    name: 'two clients with one id',
    content: JSON.stringify({ ...sample, clients: [makeClient('c'), makeClient('c')] }),
  },
  {
    name: 'two tokens with one id',
    content: JSON.stringify({ ...sample, tokens: [makeToken('t'), makeToken('t', { digest: 'a'.repeat(64) })] }),
  },
  {
    name: 'two tokens with one digest',
    content: JSON.stringify({ ...sample, tokens: [makeToken('t'), makeToken('u', { digest: makeToken('t').digest })] }),
  },
  {
    name: 'two grants with one id',
    content: JSON.stringify({ ...sample, grants: [makeGrant('g'), makeGrant('g', { digest: 'a'.repeat(64) })] }),
  },
  {
    name: 'two grants with one digest',
    content: JSON.stringify({ ...sample, grants: [makeGrant('g'), makeGrant('h', { digest: makeGrant('g').digest })] }),
  },
  {
    name: 'two grants with one user code',
    content: JSON.stringify({
      ...sample,
      grants: [
        makeGrant('g', { kind: 'device_code', userCodeDigest: digestOf('ABCD-EFGH') }),
        makeGrant('h', { kind: 'device_code', userCodeDigest: digestOf('ABCD-EFGH') }),
      ],
    }),
  },
];

for (const { name, content } of corruptCases) {
  t.test(`a file holding ${name} is StoreCorrupt naming the file, and stays untouched`, async (t) => {
    const dir = t.testdir({ 'store.json': content });
    const path = join(dir, 'store.json');
    const before = await stat(path);
    await t.rejects(new DurableJsonFile(path).read(), StoreCorrupt);
    await t.rejects(new DurableJsonFile(path).read(), {
      message: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    });
    await t.rejects(openFileStore({ path, clock: systemClock, watch: false }), StoreCorrupt);
    t.same(await readFile(path), Buffer.from(content));
    t.equal((await stat(path)).mtimeMs, before.mtimeMs);
    t.same(await readdir(dir), ['store.json']);
  });
}

for (const { name, content } of duplicateCases) {
  t.test(`a file holding ${name} is refused by the store, and stays untouched`, async (t) => {
    const dir = t.testdir({ 'store.json': content });
    const path = join(dir, 'store.json');
    await t.rejects(openFileStore({ path, clock: systemClock, watch: false }), StoreCorrupt);
    t.equal(await readFile(path, 'utf8'), content);
  });
}

t.test('a write that cannot happen leaves the old file and no temp file', async (t) => {
  const dir = t.testdir({ 'store.json': good });
  const path = join(dir, 'store.json');
  const file = new DurableJsonFile(path, {
    beforeCommit: () => {
      throw new Error('lock lost');
    },
  });
  await t.rejects(file.write(emptyStoreData()), { message: 'lock lost' });
  t.equal(await readFile(path, 'utf8'), good);
  t.same(await readdir(dir), ['store.json']);
});

t.test('a directory in the way is an I/O error, not a new store', async (t) => {
  const dir = t.testdir({ 'store.json': {} });
  await t.rejects(new DurableJsonFile(join(dir, 'store.json')).read(), { code: 'EISDIR' });
});

t.test('the adapter is not confused by a leftover file with its temp name pattern', async (t) => {
  const dir = t.testdir({ 'store.json': good, '.store.json.0000000000000000.tmp': 'garbage' });
  const path = join(dir, 'store.json');
  await new DurableJsonFile(path).write(sample);
  t.same(await new DurableJsonFile(path).read(), sample);
});
