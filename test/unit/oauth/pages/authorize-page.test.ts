import t from 'tap';
import { renderAuthorizePage, type AuthorizePageOptions } from '../../../../src/oauth/pages/authorize-page.js';
import { checkEscaped, checkLabels, checkShell, hostile } from './page-checks.js';

const base: AuthorizePageOptions = {
  clientName: 'Photo Frame',
  scopes: ['photos', 'read'],
  action: '/api/v1/oauth/authorize',
  hidden: {
    response_type: 'code',
    client_id: 'c123',
    redirect_uri: 'https://app.example/cb',
    state: 's1',
    scope: 'photos read',
    code_challenge: 'abc',
    code_challenge_method: 'S256',
  },
  csrfToken: 'tok',
};

t.test('the page', async (t) => {
  const page = renderAuthorizePage(base);
  checkShell(t, page);
  checkLabels(t, page);
  t.match(page, '<h1>Sign in to allow access</h1>');
  t.match(page, '<p><strong>Photo Frame</strong> asks for access to your account:</p>', 'names the client');
  t.match(page, '<li>Your photos and videos <span class="scope-id">(photos)</span></li>');
  t.match(page, '<li>Read only <span class="scope-id">(read)</span></li>');
  t.match(page, '<form method="post" action="/api/v1/oauth/authorize">');
  const hidden = [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]);
  t.same(hidden, [...Object.entries(base.hidden), ['csrf_token', 'tok']], 'the request and the CSRF token, in order');
  t.match(page, /<input id="username" name="username" type="text" value="" autocomplete="username"[^>]* required>/);
  t.match(page, /<input id="password" name="password" type="password" autocomplete="current-password" required>/);
  t.match(page, '<button type="submit" name="decision" value="allow">Allow</button>\n<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>', 'Allow first, so Enter allows');
  t.notMatch(page, '<p role="alert">', 'no error element without an error');
});

t.test('after a failed sign-in', async (t) => {
  const page = renderAuthorizePage({ ...base, username: 'alice', error: 'The username or password is not right.' });
  t.match(page, '<p role="alert">The username or password is not right.</p>');
  t.match(page, 'name="username" type="text" value="alice"', 'the username is kept');
  t.match(page, /name="password" type="password" autocomplete/, 'the password is not');
});

const hostileCases: { name: string; options: AuthorizePageOptions }[] = [
  { name: 'client name', options: { ...base, clientName: hostile } },
  { name: 'scope', options: { ...base, scopes: [hostile] } },
  { name: 'action', options: { ...base, action: hostile } },
  { name: 'hidden value', options: { ...base, hidden: { ...base.hidden, state: hostile } } },
  { name: 'hidden name', options: { ...base, hidden: { [hostile]: 'x' } } },
  { name: 'csrf token', options: { ...base, csrfToken: hostile } },
  { name: 'username', options: { ...base, username: hostile } },
  { name: 'error', options: { ...base, error: hostile } },
];

for (const { name, options } of hostileCases) checkEscaped(t, renderAuthorizePage(options), name);

for (const name of ['csrf_token', 'username', 'password', 'decision']) {
  t.throws(() => renderAuthorizePage({ ...base, hidden: { [name]: 'x' } }), TypeError, `a hidden ${name} would be sent twice`);
}
