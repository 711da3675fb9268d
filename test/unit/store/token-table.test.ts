/**
 * The token table (src/store/token-table.ts): lookups by id and digest, oldest-first order kept
 * through replacements, removals and the filtering of dead entries, per-client/user/family ids,
 * and iteration that survives removals made while it runs (the purge walks it across turns).
 */
import t from 'tap';
import { ShardedMap } from '../../../src/store/sharded-map.js';
import { TokenTable } from '../../../src/store/token-table.js';
import { makeToken } from '../../fixtures/store/records.js';

const ids = (table: TokenTable) => [...table.values()].map((token) => token.id);

t.test('lookups by id and digest; a replaced token keeps its place', async (t) => {
  const table = new TokenTable();
  for (const id of ['a', 'b', 'c']) table.set(makeToken(id, { clientId: 'c1' }));
  table.set(makeToken('b', { clientId: 'c1', usedAt: 5 }));
  t.same(ids(table), ['a', 'b', 'c']);
  t.equal(table.get('b')?.usedAt, 5);
  t.equal(table.getByDigest(makeToken('b').digest)?.id, 'b');
  t.equal(table.size, 3);
  t.same(table.idsBy('clientId', 'c1'), ['a', 'b', 'c']);
  t.equal(table.delete('b')?.id, 'b');
  t.equal(table.delete('b'), undefined);
  t.equal(table.get('b'), undefined);
  t.equal(table.getByDigest(makeToken('b').digest), undefined);
  t.same(ids(table), ['a', 'c']);
  t.same(table.idsBy('clientId', 'c1'), ['a', 'c']);
});

t.test('ids by client, user and family follow changes of those fields', async (t) => {
  const table = new TokenTable();
  table.set(makeToken('a', { clientId: 'c1', username: 'alice', familyId: 'f' }));
  table.set(makeToken('b', { clientId: 'c2', username: 'alice' }));
  table.set(makeToken('a', { clientId: 'c2', username: 'alice', familyId: null }));
  t.same(table.idsBy('clientId', 'c1'), []);
  t.same(table.idsBy('clientId', 'c2'), ['b', 'a'], 'a joined c2 after b');
  t.same(table.idsBy('username', 'alice'), ['a', 'b'], 'a kept its place for alice');
  t.same(table.idsBy('familyId', 'f'), []);
  table.set(makeToken('a', { clientId: 'c1', username: 'alice' }));
  table.set(makeToken('a', { clientId: 'c2', username: 'alice' }));
  t.same(table.idsBy('clientId', 'c2'), ['b', 'a'], 'once each, after moving back and forth');
});

t.test('thousands of removals: order and indexes stay right as dead entries are filtered out', async (t) => {
  const table = new TokenTable();
  for (let i = 0; i < 5_000; i++) table.set(makeToken(`t${i}`, { clientId: i % 2 ? 'odd' : 'even' }));
  for (let i = 0; i < 5_000; i++) if (i % 5 !== 0) table.delete(`t${i}`);
  const kept = Array.from({ length: 1_000 }, (_, i) => `t${i * 5}`);
  t.same(ids(table), kept);
  t.same(table.idsBy('clientId', 'even'), kept.filter((_, i) => i % 2 === 0));
  t.same(table.idsBy('clientId', 'odd'), kept.filter((_, i) => i % 2 === 1));
  t.equal(table.size, 1_000);
  table.set(makeToken('late', { clientId: 'odd' }));
  t.same(ids(table).at(-1), 'late');
  t.same(table.idsBy('clientId', 'odd').at(-1), 'late');
});

t.test('an iteration running while thousands of tokens are removed sees exactly those still there', async (t) => {
  const table = new TokenTable();
  for (let i = 0; i < 3_000; i++) table.set(makeToken(`t${i}`));
  const seen: string[] = [];
  for (const token of table.values()) {
    seen.push(token.id);
    if (token.id === 't10') {
      for (let i = 11; i < 2_500; i++) table.delete(`t${i}`); // enough to filter the order array
      table.set(makeToken('new'));
    }
  }
  t.same(seen, [...Array.from({ length: 11 }, (_, i) => `t${i}`), ...Array.from({ length: 500 }, (_, i) => `t${2_500 + i}`)]);
  t.same(ids(table).at(-1), 'new', 'the filtered array has the new token');
});

t.test('a sharded map counts what it holds', async (t) => {
  const map = new ShardedMap<number>();
  for (let i = 0; i < 1_000; i++) map.set(`k${i}`, i);
  map.set('k5', 55);
  t.equal(map.size, 1_000);
  t.equal(map.get('k5'), 55);
  t.ok(map.delete('k5'));
  t.notOk(map.delete('k5'));
  t.notOk(map.has('k5'));
  t.equal(map.size, 999);
  map.set('', 0);
  t.equal(map.get(''), 0);
});
