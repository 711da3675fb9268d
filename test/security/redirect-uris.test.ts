/**
 * Issue 12 class 4: redirect URIs are compared as exact strings (RFC 9700 §2.1, §4.1.3); only
 * the port of a loopback redirect URI may differ (RFC 8252 §7.3). Every variant that is equal
 * only after some normalisation (case, default port, trailing slash, dot segments, percent
 * encoding, empty query or fragment, another spelling of the loopback address, userinfo) gets
 * the error page, never a redirect, on GET and on the consent POST; a URI registered with
 * userinfo before the registration rules existed never matches. Nothing reaches the upstream.
 * Registration itself (`clients add/mod --redirect-uri`) is pinned by
 * test/integration/cli-clients-errors.test.ts.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startTestGateway } from '../helpers/test-gateway.js';

interface Row {
  registered: string;
  requested: string;
  /** true: the authorization request goes on (page, or a redirect for its own errors). */
  matches: boolean;
}

const row = (registered: string, requested: string, matches = false): Row => ({ registered, requested, matches });
const loopback = 'http://127.0.0.1:8765/cb';
const web = 'https://app.example.org/cb';

const rows: Row[] = [
  // Loopback: the port may differ, nothing else.
  row(loopback, loopback, true),
  row(loopback, 'http://127.0.0.1:49152/cb', true),
  row(loopback, 'http://127.0.0.1/cb', true),
  row('http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb', true),
  row('http://[::1]/cb', 'http://[::1]:5000/cb', true),
  row('http://127.0.0.1:8765/cb?app=1', 'http://127.0.0.1:1/cb?app=1', true),
  row(loopback, 'HTTP://127.0.0.1:8765/cb'),
  row(loopback, 'Http://127.0.0.1:8765/cb'),
  row(loopback, 'http://127.0.0.1:8765/CB'),
  row(loopback, 'http://127.0.0.1:8765/cb/'),
  row(loopback, 'http://127.0.0.1:8765/cb/.'),
  row(loopback, 'http://127.0.0.1:8765/x/../cb'),
  row(loopback, 'http://127.0.0.1:8765/%63b'),
  row(loopback, 'http://127.0.0.1:8765//cb'),
  row(loopback, 'http://127.0.0.1:8765/cb?'),
  row(loopback, 'http://127.0.0.1:8765/cb#'),
  row(loopback, 'http://127.0.0.1:8765/cb?x=1'),
  row(loopback, 'http://localhost:8765/cb'),
  row(loopback, 'http://127.1:8765/cb'),
  row(loopback, 'http://2130706433:8765/cb'),
  row(loopback, 'http://0x7f.0.0.1:8765/cb'),
  row(loopback, 'http://127.0.0.1.:8765/cb'),
  row(loopback, 'http://127.0.0.1:99999/cb'),
  row(loopback, 'http://127.0.0.1:0/cb'),
  row(loopback, 'http://127.0.0.1:/cb'),
  row(loopback, 'http://user@127.0.0.1:8765/cb'),
  row(loopback, 'http://127.0.0.1:8765@evil.example/cb'),
  row(loopback, 'http://127.0.0.1:8765\\@evil.example/cb'),
  row(loopback, 'https://127.0.0.1:8765/cb'),
  row('http://[::1]/cb', 'http://[0:0:0:0:0:0:0:1]:5000/cb'),
  row('http://[::1]/cb', 'http://[::1]:5000/CB'),
  row('http://localhost:3000/cb', 'http://localhost:3001/cb'),
  // Anything else: exact.
  row(web, web, true),
  row(web, 'https://app.example.org:443/cb'),
  row(web, 'https://APP.example.org/cb'),
  row(web, 'HTTPS://app.example.org/cb'),
  row(web, 'https://app.example.org/cb/'),
  row(web, 'https://app.example.org/a/../cb'),
  row(web, 'https://app.example.org/%63b'),
  row(web, 'https://app.example.org/c%62'),
  row(web, 'https://app.example.org:8443/cb'),
  row(web, 'https://app.example.org/cb?x'),
  row(web, 'https://app.example.org/cb#frag'),
  row(web, 'https://app.example.org./cb'),
  row(web, 'https://app.example.org/cb%20'),
  row(web, ' https://app.example.org/cb'),
  row('https://app.example.org/a%2Fb', 'https://app.example.org/a/b'),
  row('HTTPS://App.Example.org/cb', 'HTTPS://App.Example.org/cb', true),
  row('HTTPS://App.Example.org/cb', 'https://app.example.org/cb'),
  row('com.example.app:/cb', 'com.example.app:/cb', true),
  row('com.example.app:/cb', 'COM.example.app:/cb'),
  row('com.example.app:/cb', 'com.example.app:/cb/'),
  row('com.example.app:/cb', 'com.example.app://cb'),
  // Stored before the registration rules: never used.
  row('http://user@127.0.0.1/cb', 'http://user@127.0.0.1/cb'),
  row('https://user:pw@app.example.org/cb', 'https://user:pw@app.example.org/cb'),
];

t.test('redirect URIs match exactly, except a loopback port', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const clients = new Map<string, string>();
  for (const registered of new Set(rows.map((r) => r.registered))) {
    clients.set(registered, (await gw.addClient({ name: 'App', redirectUris: [registered] })).clientId);
  }
  const authorize = (clientId: string, redirectUri: string, responseType: string) =>
    `${gw.url}/api/v1/oauth/authorize?${new URLSearchParams({ response_type: responseType, client_id: clientId, redirect_uri: redirectUri, state: 'st' })}`;

  for (const r of rows) {
    const label = `${r.registered} asked as ${JSON.stringify(r.requested)}`;
    const clientId = clients.get(r.registered) as string;
    // A valid request: the sign-in page when the URI matches, the error page otherwise.
    const page = await fetch(authorize(clientId, r.requested, 'code'), { redirect: 'manual' });
    const html = await page.text();
    t.equal(page.status, r.matches ? 200 : 400, `${label}: ${r.matches ? 'sign-in page' : 'error page'}`);
    t.equal(page.headers.get('location'), null, `${label}: no redirect`);
    if (!r.matches) t.match(html, /not valid/, `${label}: the error page`);
    // A request with its own error: redirected only to a matching URI.
    const bad = await fetch(authorize(clientId, r.requested, 'token'), { redirect: 'manual' });
    await bad.text();
    if (r.matches) {
      t.equal(bad.status, 303, `${label}: its errors are redirected`);
      t.ok(bad.headers.get('location')?.includes('error=unsupported_response_type'), `${label}: with the error`);
    } else {
      t.equal(bad.status, 400, `${label}: its errors are not redirected`);
      t.equal(bad.headers.get('location'), null, `${label}: no Location`);
    }
    // The consent form posted with the URI: the same decision before any sign-in.
    const post = await fetch(`${gw.url}/api/v1/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: r.requested, state: 'st', decision: 'deny' }),
    });
    await post.text();
    if (!r.matches) t.equal(post.headers.get('location'), null, `${label}: the POST does not redirect either`);
  }
  t.equal(upstream.seen.length, 0, 'nothing reached the upstream');
});
