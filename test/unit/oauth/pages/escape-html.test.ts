import t from 'tap';
import { escapeHtml } from '../../../../src/oauth/pages/escape-html.js';

const cases = [
  { name: 'plain text unchanged', input: 'Photo Frame 2', expected: 'Photo Frame 2' },
  { name: 'empty', input: '', expected: '' },
  { name: 'a script element', input: '<script>alert(1)</script>', expected: '&lt;script&gt;alert(1)&lt;/script&gt;' },
  { name: 'double quotes end no attribute', input: '" autofocus onfocus="x', expected: '&quot; autofocus onfocus=&quot;x' },
  { name: 'single quotes', input: "Tom's", expected: 'Tom&#39;s' },
  { name: 'ampersand first, so entities are not decoded', input: '&lt; &amp;', expected: '&amp;lt; &amp;amp;' },
  { name: 'every special character', input: `&<>"'`, expected: '&amp;&lt;&gt;&quot;&#39;' },
  { name: 'unicode and backticks pass', input: 'Fotos ✓ `x`', expected: 'Fotos ✓ `x`' },
];

for (const { name, input, expected } of cases) t.equal(escapeHtml(input), expected, name);
