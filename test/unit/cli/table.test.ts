import t from 'tap';
import { formatCell, formatFields, formatTable, formatViews } from '../../../src/cli/table.js';

t.equal(
  formatTable(['Client ID', 'Client Secret'], [['csce0w2joodmirvi', '5VKkBeZLDvojjpE9XzCMXShnrxmxHWvN']]),
  [
    '|------------------|----------------------------------|',
    '| Client ID        | Client Secret                    |',
    '|------------------|----------------------------------|',
    '| csce0w2joodmirvi | 5VKkBeZLDvojjpE9XzCMXShnrxmxHWvN |',
    '|------------------|----------------------------------|',
    '',
  ].join('\n'),
  'bordered like the reference (seeds: 003)',
);

t.equal(formatTable(['A'], []), '|---|\n| A |\n|---|\n', 'no rows: the header only');
t.equal(formatTable(['A'], [['x\u001b[2Jy\n']]).split('\n')[3], '| x?[2Jy? |', 'control characters replaced');

const cells = [
  { key: 'expires_at', value: null, expected: 'never' },
  { key: 'last_used_at', value: null, expected: 'never' },
  { key: 'username', value: null, expected: '-' },
  { key: 'enabled', value: true, expected: 'yes' },
  { key: 'webdav', value: false, expected: 'no' },
  { key: 'created_at', value: 0, expected: '1970-01-01 00:00:00 UTC' },
  { key: 'tokens', value: -1, expected: '-1' },
  { key: 'expires_at', value: 9e15, expected: '9000000000000000' },
];
for (const { key, value, expected } of cells) t.equal(formatCell(key, value), expected, `${key}=${value}`);

t.match(
  formatViews(
    [{ a: 'x', b: true }],
    [
      ['B', 'b'],
      ['A', 'a'],
    ],
  ),
  /\| B {3}\| A \|\n.*\n\| yes \| x \|/,
);
t.ok(formatFields({ name: 'n' }).includes('| name  | n     |'));
