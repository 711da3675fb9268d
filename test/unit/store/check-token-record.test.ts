/**
 * The fast token check used at load time never takes a record the zod schema would refuse or
 * change, and takes the plain ones (src/store/check-token-record.ts).
 */
import t from 'tap';
import { isPlainTokenRecord } from '../../../src/store/check-token-record.js';
import { tokenRecord } from '../../../src/store/records.js';
import { makeToken } from '../../fixtures/store/records.js';

const base: Record<string, unknown> = { ...makeToken('t1', { username: 'alice', expiresAt: 2000 }) };
const without = (field: string) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== field));

const plain: { name: string; value: Record<string, unknown> }[] = [
  { name: 'a plain token', value: base },
  { name: 'nulls where allowed', value: { ...base, username: null, clientId: null, expiresAt: null, familyId: null, usedAt: null } },
  { name: 'a used refresh token', value: { ...base, kind: 'refresh_token', familyId: 'f', usedAt: 2100 } },
  { name: 'empty name and scope', value: { ...base, name: '', scope: '' } },
  { name: 'with its last use', value: { ...base, lastUsedAt: 2100, lastUsedFrom: '192.0.2.1' } },
];
const notPlain: { name: string; value: unknown }[] = [
  { name: 'null', value: null },
  { name: 'an array', value: [] },
  { name: 'a string', value: 'token' },
  { name: 'without familyId (zod adds its default)', value: without('familyId') },
  { name: 'without usedAt (zod adds its default)', value: without('usedAt') },
  { name: 'without id', value: without('id') },
  { name: 'with an unknown field (zod drops it)', value: { ...base, extra: 1 } },
  { name: 'an unknown field instead of one', value: { ...without('scope'), scop: '*' } },
  { name: 'an empty id', value: { ...base, id: '' } },
  { name: 'a numeric id', value: { ...base, id: 7 } },
  { name: 'an upper-case digest', value: { ...base, digest: (base.digest as string).toUpperCase() } },
  { name: 'a short digest', value: { ...base, digest: 'abc' } },
  { name: 'a digest with a non-hex letter', value: { ...base, digest: `${(base.digest as string).slice(0, 63)}g` } },
  { name: 'an unknown kind', value: { ...base, kind: 'cookie' } },
  { name: 'a numeric name', value: { ...base, name: 1 } },
  { name: 'a numeric username', value: { ...base, username: 1 } },
  { name: 'a null scope', value: { ...base, scope: null } },
  { name: 'a null grantType', value: { ...base, grantType: null } },
  { name: 'a negative createdAt', value: { ...base, createdAt: -1 } },
  { name: 'a fractional createdAt', value: { ...base, createdAt: 1.5 } },
  { name: 'a string expiresAt', value: { ...base, expiresAt: '2030' } },
  { name: 'an infinite expiresAt', value: { ...base, expiresAt: Number.POSITIVE_INFINITY } },
  { name: 'a NaN usedAt', value: { ...base, usedAt: Number.NaN } },
  { name: 'a numeric familyId', value: { ...base, familyId: 3 } },
  { name: 'a null createdAt', value: { ...base, createdAt: null } },
  { name: 'a fractional lastUsedAt', value: { ...base, lastUsedAt: 2100.5, lastUsedFrom: '192.0.2.1' } },
  { name: 'a numeric lastUsedFrom', value: { ...base, lastUsedAt: 2100, lastUsedFrom: 7 } },
];

for (const { name, value } of plain) {
  t.test(`taken as it is: ${name}`, async (t) => {
    t.ok(isPlainTokenRecord(value));
    const parsed = tokenRecord.safeParse(value);
    t.ok(parsed.success, 'zod takes it');
    t.same(parsed.data, value, 'and returns it unchanged');
  });
}
for (const { name, value } of notPlain) {
  t.test(`left to zod: ${name}`, async (t) => {
    t.notOk(isPlainTokenRecord(value));
    const parsed = tokenRecord.safeParse(value);
    if (parsed.success) t.not(JSON.stringify(parsed.data), JSON.stringify(value), 'zod would change it');
  });
}
