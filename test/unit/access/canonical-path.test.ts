import t from 'tap';
import { canonicalizeTarget } from '../../../src/access/canonical-path.js';

const accepted: { name: string; input: string; path: string; query?: string }[] = [
  { name: 'root', input: '/', path: '/' },
  { name: 'plain', input: '/api/v1/photos', path: '/api/v1/photos' },
  { name: 'trailing slash kept (WebDAV collections)', input: '/originals/dir/', path: '/originals/dir/' },
  { name: 'query kept verbatim', input: '/api/v1/photos?count=10&q=a%2Fb', path: '/api/v1/photos', query: '?count=10&q=a%2Fb' },
  { name: 'query does not change the path', input: '/api/v1/photos?/../metrics', path: '/api/v1/photos', query: '?/../metrics' },
  { name: 'repeated slashes collapse', input: '//api///v1//photos', path: '/api/v1/photos' },
  { name: 'dot segment', input: '/api/./v1/photos', path: '/api/v1/photos' },
  { name: 'dot-dot segment', input: '/originals/../api/v1/metrics', path: '/api/v1/metrics' },
  { name: 'encoded dot-dot', input: '/originals/%2e%2e/api/v1/metrics', path: '/api/v1/metrics' },
  { name: 'mixed-case encoded dot-dot', input: '/originals/%2E%2e/x', path: '/x' },
  { name: 'half-encoded dot-dot', input: '/originals/.%2E/x', path: '/x' },
  { name: 'final dot-dot leaves a collection', input: '/a/b/..', path: '/a/' },
  { name: 'final dot leaves a collection', input: '/a/b/.', path: '/a/b/' },
  { name: 'unreserved escape decoded', input: '/api/v1/%6detrics', path: '/api/v1/metrics' },
  { name: 'tilde and dash decoded', input: '/a%7E%2Db', path: '/a~-b' },
  { name: 'reserved escape kept, hex upper-cased', input: '/originals/a%3fb%25c', path: '/originals/a%3Fb%25c' },
  { name: 'space stays encoded', input: '/originals/my%20file.jpg', path: '/originals/my%20file.jpg' },
  { name: 'encoded UTF-8 stays encoded', input: '/originals/%C3%A9t%C3%A9', path: '/originals/%C3%A9t%C3%A9' },
  { name: 'raw latin1 octets are encoded once', input: '/originals/\u00c3\u00a9', path: '/originals/%C3%A9' },
  { name: 'characters the URL parser would encode are encoded here', input: '/a"b<c>{d}`e', path: '/a%22b%3Cc%3E%7Bd%7D%60e' },
  { name: 'semicolon is an ordinary character', input: '/originals/a;b', path: '/originals/a;b' },
  { name: 'semicolons inside a name', input: '/originals/a;b;c.jpg', path: '/originals/a;b;c.jpg' },
  { name: 'three dots and a parameter are a name', input: '/originals/...;x', path: '/originals/...;x' },
  { name: 'dots after the first character', input: '/originals/a..;x', path: '/originals/a..;x' },
  { name: 'a dot segment among named segments with parameters', input: '/originals/a;x/../b;y', path: '/originals/b;y' },
  { name: 'encoded semicolon inside a name', input: '/originals/a%3Bb', path: '/originals/a%3Bb' },
  { name: 'sub-delims kept', input: "/a!$&'()*+,=:@", path: "/a!$&'()*+,=:@" },
];

const refused: { name: string; input: string }[] = [
  { name: 'absolute-form', input: 'http://evil/api/v1/metrics' },
  { name: 'asterisk-form', input: '*' },
  { name: 'empty', input: '' },
  { name: 'encoded slash', input: '/originals/a%2Fb' },
  { name: 'encoded slash, lower case', input: '/originals/a%2fb' },
  { name: 'encoded backslash', input: '/originals/a%5Cb' },
  { name: 'raw backslash', input: '/originals\\..\\api' },
  { name: 'encoded NUL', input: '/originals/a%00b' },
  { name: 'encoded control', input: '/originals/a%0Ab' },
  { name: 'encoded DEL', input: '/originals/a%7Fb' },
  { name: 'raw control', input: '/originals/a\u0001b' },
  { name: 'control in query', input: '/a?x=\u0001' },
  { name: 'invalid escape', input: '/originals/%zz' },
  { name: 'truncated escape', input: '/originals/%4' },
  { name: 'overlong escape is two escapes, the first invalid', input: '/originals/%%32%65' },
  { name: 'fragment', input: '/api/v1/photos#x' },
  { name: 'climbs above root', input: '/../etc/passwd' },
  { name: 'encoded climb above root', input: '/a/%2e%2e/%2e%2e/b' },
  { name: 'non-latin1 character', input: '/\u2603' },
  // Issue 12: a dot (or empty) segment once its `;` parameters are removed.
  { name: 'dot-dot with empty parameters', input: '/api/v1/photos/..;/users' },
  { name: 'dot-dot with a parameter', input: '/api/v1/photos/..;x/users' },
  { name: 'dot with a parameter', input: '/api/v1/photos/.;x/users' },
  { name: 'dot with empty parameters', input: '/api/v1/photos/.;/users' },
  { name: 'repeated semicolons', input: '/api/v1/t/..;;;/users' },
  { name: 'parameter with its own value', input: '/api/v1/t/..;jsessionid=1/users' },
  { name: 'encoded dots', input: '/api/v1/t/%2e%2e;/users' },
  { name: 'mixed-case encoded dots', input: '/api/v1/t/%2E%2e;x/users' },
  { name: 'half-encoded dots', input: '/api/v1/t/.%2E;/users' },
  { name: 'encoded semicolon', input: '/api/v1/t/..%3B/users' },
  { name: 'encoded semicolon, lower case', input: '/api/v1/t/..%3bx/users' },
  { name: 'all encoded', input: '/api/v1/t/%2e%2e%3b/users' },
  { name: 'as the last segment', input: '/api/v1/t/x/..;' },
  { name: 'as the first segment', input: '/..;/api/v1/users' },
  { name: 'twice', input: '/api/v1/t/..;/..;/users' },
  { name: 'empty name with a parameter', input: '/api/v1/albums/;x/t/y' },
  { name: 'empty name with an encoded parameter', input: '/api/v1/albums/%3Bx/t/y' },
];

for (const c of accepted) {
  t.test(`accepts: ${c.name}`, async (t) => {
    const target = canonicalizeTarget(c.input);
    t.equal(target.path, c.path);
    t.equal(target.query, c.query ?? '');
    t.equal(canonicalizeTarget(target.path).path, target.path, 'canonical form is a fixed point');
    t.equal(new URL(target.path, 'http://x').pathname, target.path, 'the WHATWG parser leaves it unchanged');
  });
}

for (const c of refused) {
  t.test(`refuses: ${c.name}`, async (t) => {
    t.throws(() => canonicalizeTarget(c.input), { code: 'invalid_request', status: 400 });
  });
}
