import t from 'tap';
import {
  generateName,
  parseClientRole,
  parseClientTokenTtl,
  parseInteger,
  parseName,
  parseScope,
  parseTokenLifetime,
  parseTokenLimit,
  parseUserRole,
  parseUsername,
} from '../../../src/cli/cli-values.js';
import { UsageError } from '../../../src/errors.js';

type Case = { name: string; run: () => unknown; expected: unknown };
const ok = (name: string, run: () => unknown, expected: unknown): Case => ({ name, run, expected });
const bad = (name: string, run: () => unknown): Case => ({ name, run, expected: UsageError });

const cases: Case[] = [
  ok('username lower-cased', () => parseUsername('Bob'), 'bob'),
  ok('username with . _ @ -', () => parseUsername('a.b_c@d-e'), 'a.b_c@d-e'),
  ok('username of 64 characters', () => parseUsername('a'.repeat(64)), 'a'.repeat(64)),
  bad('username of 65 characters', () => parseUsername('a'.repeat(65))),
  bad('username starting with a dot', () => parseUsername('.bob')),
  bad('username with a space', () => parseUsername('bo b')),
  bad('empty username', () => parseUsername('')),
  ok('user role', () => parseUserRole('Admin'), 'admin'),
  bad('unknown user role', () => parseUserRole('client')),
  ok('client role', () => parseClientRole('admin'), 'admin'),
  bad('unknown client role', () => parseClientRole('user')),
  ok('scope normalised', () => parseScope('Photos, albums'), 'albums photos'),
  bad('empty scope', () => parseScope(' , ')),
  bad('invalid scope token', () => parseScope('photos:read')),
  ok('name trimmed', () => parseName('  Sync '), 'Sync'),
  bad('blank name', () => parseName('  ')),
  bad('long name', () => parseName('x'.repeat(201))),
  ok('integer', () => parseInteger('-e', '-1'), -1),
  bad('fraction', () => parseInteger('-e', '1.5')),
  bad('not a number', () => parseInteger('-e', 'abc')),
  bad('too large', () => parseInteger('-e', '99999999999999999999')),
  ok('lifetime', () => parseTokenLifetime('3600'), 3600),
  ok('lifetime 0 = never', () => parseTokenLifetime('0'), null),
  ok('lifetime -1 = never', () => parseTokenLifetime('-1'), null),
  bad('lifetime -2', () => parseTokenLifetime('-2')),
  ok('lifetime of a hundred years', () => parseTokenLifetime('3155760000'), 3_155_760_000),
  bad('lifetime past a hundred years', () => parseTokenLifetime('3155760001')),
  bad('client ttl past a hundred years', () => parseClientTokenTtl('3155760001')),
  ok('client ttl', () => parseClientTokenTtl('1'), 1),
  bad('client ttl 0', () => parseClientTokenTtl('0')),
  ok('token limit', () => parseTokenLimit('10'), 10),
  ok('token limit unlimited', () => parseTokenLimit('-1'), -1),
  bad('token limit 0', () => parseTokenLimit('0')),
  bad('token limit -2', () => parseTokenLimit('-2')),
];

for (const { name, run, expected } of cases) {
  if (expected === UsageError) t.throws(run, UsageError, name);
  else t.equal(run(), expected, name);
}

t.match(generateName('app'), /^app-[0-9a-f]{6}$/);
