import t from 'tap';
import { renderScopeList } from '../../../../src/oauth/pages/scope-list.js';

const cases = [
  { name: 'everything', input: ['*'], expected: ['Everything your account may do <span class="scope-id">(*)</span>'] },
  { name: 'read only', input: ['read'], expected: ['Read only <span class="scope-id">(read)</span>'] },
  { name: 'write', input: ['write'], expected: ['Make changes <span class="scope-id">(write)</span>'] },
  {
    name: 'known resources',
    input: ['photos', 'albums', 'webdav', 'metrics'],
    expected: [
      'Your photos and videos <span class="scope-id">(photos)</span>',
      'Your albums <span class="scope-id">(albums)</span>',
      'Your files over WebDAV <span class="scope-id">(webdav)</span>',
      'The gateway&#39;s metrics <span class="scope-id">(metrics)</span>',
    ],
  },
  { name: 'an unknown scope as it is', input: ['labels'], expected: ['labels'] },
  { name: 'a hostile scope escaped', input: ['<script>"'], expected: ['&lt;script&gt;&quot;'] },
  { name: 'none requested', input: [], expected: ['No particular access (no scope requested)'] },
];

for (const { name, input, expected } of cases) {
  const items = [...String(renderScopeList(input)).matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1]);
  t.same(items, expected, name);
}
