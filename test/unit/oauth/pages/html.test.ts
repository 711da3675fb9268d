import t from 'tap';
import { html, SafeHtml } from '../../../../src/oauth/pages/html.js';

const cases = [
  { name: 'strings are escaped', input: html`<p>${'<b>&'}</p>`, expected: '<p>&lt;b&gt;&amp;</p>' },
  { name: 'in attributes too', input: html`<input value="${'"><script>'}">`, expected: '<input value="&quot;&gt;&lt;script&gt;">' },
  { name: 'fragments of the tag are kept', input: html`<ul>${html`<li>${'a<'}</li>`}</ul>`, expected: '<ul><li>a&lt;</li></ul>' },
  { name: 'arrays are joined, each item escaped', input: html`${['<', html`<br>`, 1]}`, expected: '&lt;<br>1' },
  { name: 'undefined, null and false render nothing', input: html`a${undefined}b${null}c${false}d`, expected: 'abcd' },
  { name: 'numbers', input: html`${0}/${42}`, expected: '0/42' },
  { name: 'no values', input: html`<p>plain</p>`, expected: '<p>plain</p>' },
];

for (const { name, input, expected } of cases) {
  t.ok(input instanceof SafeHtml, `${name}: a SafeHtml`);
  t.equal(String(input), expected, name);
}
