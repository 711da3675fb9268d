/**
 * The /account page over plain HTTP (a browser without JavaScript): the sign-in form, a wrong
 * password (401, counted in the audit trail), a two-factor user asked for the code, a sign-in
 * that sets the session cookie with the contract's attributes and shows the person's app
 * passwords, a POST without the CSRF token refused (400) changing nothing, the cookie neither a
 * credential nor forwarded upstream, and sign-out ending the session on the server.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { startTestGateway } from '../helpers/test-gateway.js';

t.test('sign in, see the app passwords, sign out', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  await gw.addAppPassword('alice', 'photos');
  const sessions = async () => (await gw.store.listTokens()).filter((token) => token.kind === 'session' && token.grantType === 'browser');

  const form = await getFormPage(`${gw.url}/account`);
  t.equal(form.status, 200);
  t.match(form.html, /name="username"[\s\S]*name="password"[\s\S]*name="code"/, 'sign-in form with the code field');
  t.ok(form.hidden.csrf_token, 'the form carries a CSRF token');

  const wrong = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: 'wrong' });
  t.equal(wrong.status, 401, 'a wrong password is 401');
  t.match(await wrong.text(), /role="alert">The username or password is not right/);

  const noToken = await postForm(`${gw.url}/account/sign-in`, { ...form, hidden: {} }, { username: 'alice', password: 'correct horse' });
  t.equal(noToken.status, 400, 'no CSRF token: 400');
  const crossSite = await fetch(`${gw.url}/account/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    body: new URLSearchParams({ username: 'alice', password: 'correct horse' }).toString(),
  });
  t.equal(crossSite.status, 400, 'a cross-site POST without cookie or token: 400');
  t.equal(crossSite.headers.getSetCookie().filter((c) => c.startsWith('photogate-account')).length, 0, 'and no session');
  t.same(await sessions(), [], 'nothing changed in the store');

  const ok = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: 'correct horse' });
  t.equal(ok.status, 303);
  t.equal(ok.headers.get('location'), '/account');
  const setCookie = ok.headers.getSetCookie().find((c) => c.startsWith('photogate-account=')) ?? '';
  t.match(setCookie, /; Path=\/; HttpOnly; SameSite=Lax; Max-Age=1209600$/, 'HttpOnly, SameSite=Lax, Path=/, 14 days; no Secure over http');
  t.equal((await sessions()).length, 1);
  const cookie = `${form.cookie}; ${setCookie.split(';')[0]}`;

  const account = await getFormPage(`${gw.url}/account`, cookie);
  t.match(account.html, /Signed in as <strong>alice<\/strong>/);
  t.match(account.html, /<td data-label="Name">test<\/td><td data-label="Scope">photos<\/td>/, 'the app password is listed');

  // The session cookie is no credential upstream, and the upstream never sees it.
  const proxied = await fetch(`${gw.url}/api/v1/photos`, { headers: { cookie: `${setCookie.split(';')[0]}; other=1` } });
  t.equal(proxied.status, 401, 'the account cookie opens nothing behind the gateway');
  const withBasic = await fetch(`${gw.url}/api/v1/photos`, {
    headers: { cookie: `${setCookie.split(';')[0]}; other=1`, authorization: `Bearer ${(await gw.addAppPassword('alice', 'photos')).secret}` },
  });
  t.equal(withBasic.status, 200);
  t.equal(upstream.seen.at(-1)?.headers.cookie, 'other=1', 'the account cookie is dropped from what is forwarded');

  const signOut = await postForm(`${gw.url}/account/sign-out`, { ...account, cookie }, {});
  t.equal(signOut.status, 303);
  t.match(signOut.headers.getSetCookie().join('\n'), /photogate-account=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/);
  t.same(await sessions(), [], 'the session is gone from the store');
  const after = await getFormPage(`${gw.url}/account`, cookie);
  t.match(after.html, /<h1>Sign in<\/h1>/, 'the old cookie asks for sign-in again');
});

t.test('an app password does not open an account session', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('bob', 'correct horse');
  const { secret } = await gw.addAppPassword('bob', 'photos');
  const form = await getFormPage(`${gw.url}/account`);
  const res = await postForm(`${gw.url}/account/sign-in`, form, { username: 'bob', password: secret });
  t.equal(res.status, 401);
  t.match(await res.text(), /not an app password/);
});

t.test('the account API takes the page session only with the CSRF token in X-CSRF-Token', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  await gw.addAppPassword('alice', 'photos');
  const form = await getFormPage(`${gw.url}/account`);
  const signedIn = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: 'correct horse' });
  const sessionCookie = (signedIn.headers.getSetCookie().find((c) => c.startsWith('photogate-account=')) ?? '').split(';')[0] ?? '';
  const csrf = form.hidden.csrf_token ?? '';
  const list = (headers: Record<string, string>) => fetch(`${gw.url}/api/v1/users/alice/sessions`, { headers });
  const seenBefore = upstream.seen.length;
  const cases: { name: string; headers: Record<string, string>; status: number }[] = [
    { name: 'the session cookie alone (what a cross-site request carries)', headers: { cookie: `${form.cookie}; ${sessionCookie}` }, status: 400 },
    { name: 'a wrong token', headers: { cookie: `${form.cookie}; ${sessionCookie}`, 'x-csrf-token': 'A'.repeat(43) }, status: 400 },
    { name: 'the token without the CSRF cookie', headers: { cookie: sessionCookie, 'x-csrf-token': csrf }, status: 400 },
    { name: 'no session', headers: { cookie: form.cookie, 'x-csrf-token': csrf }, status: 401 },
    { name: 'session and token', headers: { cookie: `${form.cookie}; ${sessionCookie}`, 'x-csrf-token': csrf }, status: 200 },
  ];
  for (const c of cases) t.equal((await list(c.headers)).status, c.status, c.name);
  const answer = (await (await list({ cookie: `${form.cookie}; ${sessionCookie}`, 'x-csrf-token': csrf })).json()) as { ClientName: string }[];
  t.same(answer.map((s) => s.ClientName), ['test'], 'the caller\'s app passwords');
  const bob = await fetch(`${gw.url}/api/v1/users/bob/sessions`, { headers: { cookie: `${form.cookie}; ${sessionCookie}`, 'x-csrf-token': csrf } });
  t.equal(bob.status, 403, 'another user\'s id: 403');
  // (The upstream sees only photogate's own sign-in that learns its UID, for the id check.)
  t.same(upstream.seen.slice(seenBefore).filter((r) => r.url?.startsWith('/api/v1/users')), [], 'nothing forwarded');
});

t.test('refusals are pages, not JSON: a bad form, too many failed sign-ins (429 with Retry-After), a body over the limit', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  const form = await getFormPage(`${gw.url}/account`);
  const signedIn = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: 'correct horse' });
  const cookie = `${form.cookie}; ${(signedIn.headers.getSetCookie().find((c) => c.startsWith('photogate-account=')) ?? '').split(';')[0]}`;
  const page = { ...form, cookie };

  const isPage = async (res: Response, status: number, alert: RegExp, what: string) => {
    t.equal(res.status, status, `${what}: ${status}`);
    t.match(res.headers.get('content-type'), /^text\/html/, `${what}: an HTML page`);
    t.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/, `${what}: with the pages' CSP`);
    t.match(await res.text(), alert, `${what}: the reason in an alert`);
  };
  await isPage(await postForm(`${gw.url}/account/app-passwords`, page, { name: '', expiry: 'never' }), 400, /role="alert">Give the app password a name/, 'no name');
  await isPage(await postForm(`${gw.url}/account/app-passwords`, page, { name: 'phone', expiry: 'never' }), 400, /role="alert">Choose at least one resource/, 'no resource');
  await isPage(await postForm(`${gw.url}/account/app-passwords`, page, { name: 'phone', resource_photos: 'on', expiry: 'forever' }), 400, /role="alert">Choose an expiry/, 'unknown expiry');
  await isPage(await postForm(`${gw.url}/account/app-passwords/revoke`, page, { id: 'nope' }), 404, /role="alert">No such app password/, 'unknown id');
  await isPage(await postForm(`${gw.url}/account/app-passwords`, { ...page, hidden: {} }, { name: 'x' }), 400, /role="alert">The form has expired; reload the page/, 'no CSRF token');
  const big = await postForm(`${gw.url}/account/app-passwords`, page, { name: 'x'.repeat(70_000) });
  await isPage(big, 413, /role="alert">The body exceeds/, 'a body over the limit');

  let last: Response | undefined;
  for (let i = 0; i < 12; i++) {
    last = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: `wrong ${i}` });
    if (last.status === 429) break;
    await last.text();
  }
  t.ok(last && Number(last.headers.get('retry-after')) > 0, 'Retry-After in seconds');
  if (last) await isPage(last, 429, /role="alert">Too many failed attempts: try again in \d+ (seconds?|minutes)\./, 'too many failed sign-ins');
  t.same((await gw.store.listTokens()).filter((token) => token.kind === 'app_password'), [], 'nothing was created');
});

t.test('signing in again in the same browser replaces its session, it does not add one', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  await gw.addUser('bob', 'battery staple');
  const browserSessions = async () => (await gw.store.listTokens()).filter((token) => token.kind === 'session' && token.grantType === 'browser').map((token) => token.username);
  const form = await getFormPage(`${gw.url}/account`);
  const first = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: 'correct horse' });
  const cookie = `${form.cookie}; ${(first.headers.getSetCookie().find((c) => c.startsWith('photogate-account=')) ?? '').split(';')[0]}`;
  t.same(await browserSessions(), ['alice']);
  const again = await postForm(`${gw.url}/account/sign-in`, { ...form, cookie }, { username: 'alice', password: 'correct horse' });
  t.equal(again.status, 303);
  t.same(await browserSessions(), ['alice'], 'still one session for this browser');
  const replacedCookie = `${form.cookie}; ${(again.headers.getSetCookie().find((c) => c.startsWith('photogate-account=')) ?? '').split(';')[0]}`;
  await postForm(`${gw.url}/account/sign-in`, { ...form, cookie: replacedCookie }, { username: 'bob', password: 'battery staple' });
  t.same(await browserSessions(), ['bob'], 'signing in as someone else replaces it too');
});
