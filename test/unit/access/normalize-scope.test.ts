import t from 'tap';
import { isValidScopeToken, normalizeScope } from '../../../src/access/normalize-scope.js';

const cases = [
  { name: 'a single resource', input: 'photos', expected: 'photos' },
  { name: 'lower-cased, sorted', input: 'Photos  albums', expected: 'albums photos' },
  { name: 'commas and whitespace separate', input: 'webdav,photos,\talbums\n', expected: 'albums photos webdav' },
  { name: 'comma with spaces', input: 'photos, albums', expected: 'albums photos' },
  { name: 'duplicates dropped', input: 'photos PHOTOS photos', expected: 'photos' },
  { name: 'star last', input: '* metrics albums', expected: 'albums metrics *' },
  { name: 'star alone', input: '*', expected: '*' },
  { name: 'qualifiers sort like resources', input: 'write photos read', expected: 'photos read write' },
  { name: 'empty', input: '', expected: '' },
  { name: 'only separators', input: ' ,, \t', expected: '' },
  { name: 'invalid tokens are kept for the caller to judge', input: 'b! a', expected: 'a b!' },
];

for (const { name, input, expected } of cases) {
  t.equal(normalizeScope(input), expected, name);
}

t.equal(normalizeScope(normalizeScope('Photos * albums')), normalizeScope('Photos * albums'), 'idempotent');

const tokens = [
  { input: '*', expected: true },
  { input: 'read', expected: true },
  { input: 'write', expected: true },
  { input: 'photos', expected: true },
  { input: 'my_scope-2', expected: true },
  { input: '2fa', expected: false },
  { input: 'photos:read', expected: false },
  { input: 'Photos', expected: false },
  { input: '**', expected: false },
  { input: '', expected: false },
];

for (const { input, expected } of tokens) {
  t.equal(isValidScopeToken(input), expected, `isValidScopeToken(${JSON.stringify(input)})`);
}
