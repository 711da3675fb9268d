import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { contentSecurityPolicy, sendHtml } from '../../../src/http/send-html.js';
import { renderErrorPage } from '../../../src/oauth/pages/error-page.js';
import { pageStyle } from '../../../src/oauth/pages/page-style.js';

const styleHash = `'sha256-${createHash('sha256').update(pageStyle).digest('base64')}'`;

t.test('headers and body', async (t) => {
  const page = renderErrorPage({ title: 'Nope', message: 'ö' });
  const server = createServer((_req, res) => sendHtml(res, 400, page, { formActionOrigins: ['https://app.example/cb'] }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  t.equal(response.status, 400);
  const expected = {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(page)),
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; style-src ${styleHash}; img-src 'self' data:; form-action 'self' https://app.example; frame-ancestors 'none'; base-uri 'none'`,
  };
  for (const [name, value] of Object.entries(expected)) t.equal(response.headers.get(name), value, name);
  t.equal(await response.text(), page);
});

t.test('the hash matches the stylesheet the pages carry', async (t) => {
  const page = renderErrorPage({ title: 'x', message: 'y' });
  const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
  t.equal(`'sha256-${createHash('sha256').update(style).digest('base64')}'`, styleHash);
  t.match(contentSecurityPolicy(), `style-src ${styleHash};`);
});

const formActions = [
  { name: 'none extra', input: [], expected: "form-action 'self';" },
  { name: 'a URL is reduced to its origin', input: ['https://app.example:8443/cb?x=1#f'], expected: "form-action 'self' https://app.example:8443;" },
  { name: 'default ports dropped, host lower-cased', input: ['HTTPS://App.Example:443/cb'], expected: "form-action 'self' https://app.example;" },
  { name: 'loopback with a port', input: ['http://127.0.0.1:51234/callback'], expected: "form-action 'self' http://127.0.0.1:51234;" },
  { name: 'duplicates once', input: ['https://a.example/1', 'https://a.example/2'], expected: "form-action 'self' https://a.example;" },
  { name: 'several', input: ['https://a.example', 'https://b.example'], expected: "form-action 'self' https://a.example https://b.example;" },
  { name: 'an IPv6 loopback as its scheme (CSP has no IPv6 literals)', input: ['http://[::1]:51234/callback'], expected: "form-action 'self' http:;" },
  { name: 'a native app scheme as a scheme source', input: ['com.example.app:/oauth2redirect'], expected: "form-action 'self' com.example.app:;" },
];

for (const { name, input, expected } of formActions) t.match(contentSecurityPolicy(input), expected, name);

const refused = ['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'not a url', "https://a.example'; script-src *"];
for (const origin of refused) t.throws(() => contentSecurityPolicy([origin]), TypeError, `refuses ${origin}`);

t.test('a script nonce allows that nonce and nothing else', async (t) => {
  t.match(contentSecurityPolicy([], 'abc123=='), /^default-src 'none'; script-src 'nonce-abc123=='; style-src /);
  t.notMatch(contentSecurityPolicy(), /script-src/, 'pages without a script allow none');
});
