import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import t from 'tap';
import { InvalidRequest } from '../../../src/errors.js';
import { csrfCookieName, issueCsrfToken, verifyCsrfToken } from '../../../src/oauth/csrf.js';

function exchange(cookie?: string): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  if (cookie !== undefined) req.headers.cookie = cookie;
  return { req, res: new ServerResponse(req) };
}

const token = 'A'.repeat(42) + 'Q';

t.test('issue', async (t) => {
  const cases = [
    { name: 'http: a fresh token in photogate-csrf', secure: false, cookie: undefined, reused: false, attributes: 'Path=/; HttpOnly; SameSite=Strict' },
    { name: 'https: __Host- prefix and Secure', secure: true, cookie: undefined, reused: false, attributes: 'Path=/; HttpOnly; SameSite=Strict; Secure' },
    { name: 'a valid cookie is reused', secure: false, cookie: `photogate-csrf=${token}`, reused: true, attributes: '' },
    { name: 'https reuses only the __Host- cookie', secure: true, cookie: `photogate-csrf=${token}`, reused: false, attributes: 'Path=/; HttpOnly; SameSite=Strict; Secure' },
    { name: 'a malformed cookie is replaced', secure: false, cookie: 'photogate-csrf=short', reused: false, attributes: 'Path=/; HttpOnly; SameSite=Strict' },
  ];
  for (const { name, secure, cookie, reused, attributes } of cases) {
    const { req, res } = exchange(cookie);
    res.setHeader('set-cookie', ['other=1']);
    const issued = issueCsrfToken(req, res, secure);
    t.match(issued, /^[A-Za-z0-9_-]{43}$/, `${name}: 32 bytes of base64url`);
    const setCookie = res.getHeader('set-cookie') as string[];
    if (reused) {
      t.equal(issued, token, `${name}: same token`);
      t.same(setCookie, ['other=1'], `${name}: no new cookie`);
    } else {
      t.not(issued, token, `${name}: new token`);
      t.same(setCookie, ['other=1', `${csrfCookieName(secure)}=${issued}; ${attributes}`], `${name}: cookie appended`);
    }
  }
  const a = issueCsrfToken(exchange().req, exchange().res, false);
  const b = issueCsrfToken(exchange().req, exchange().res, false);
  t.not(a, b, 'random');
});

t.test('verify', async (t) => {
  const cases = [
    { name: 'equal: accepted', secure: false, cookie: `photogate-csrf=${token}`, field: token, ok: true },
    { name: 'equal over https: accepted', secure: true, cookie: `a=b; __Host-photogate-csrf=${token}`, field: token, ok: true },
    { name: 'no cookie header', secure: false, cookie: undefined, field: token, ok: false },
    { name: 'another cookie only', secure: false, cookie: 'session=x', field: token, ok: false },
    { name: 'https ignores the unprefixed cookie', secure: true, cookie: `photogate-csrf=${token}`, field: token, ok: false },
    { name: 'no field', secure: false, cookie: `photogate-csrf=${token}`, field: undefined, ok: false },
    { name: 'empty field and empty cookie', secure: false, cookie: 'photogate-csrf=', field: '', ok: false },
    { name: 'mismatch', secure: false, cookie: `photogate-csrf=${token}`, field: `${'B'.repeat(42)}Q`, ok: false },
    { name: 'field of another length', secure: false, cookie: `photogate-csrf=${token}`, field: token.slice(1), ok: false },
    { name: 'malformed cookie, equal field', secure: false, cookie: 'photogate-csrf=abc', field: 'abc', ok: false },
  ];
  for (const { name, secure, cookie, field, ok } of cases) {
    const { req } = exchange(cookie);
    if (ok) {
      t.doesNotThrow(() => verifyCsrfToken(req, field, secure), name);
      continue;
    }
    const error = t.throws(() => verifyCsrfToken(req, field, secure), InvalidRequest, name) as InvalidRequest;
    t.equal(error.status, 400, `${name}: 400`);
    t.equal(error.code, 'invalid_request', `${name}: invalid_request`);
  }
});

t.test('an issued token verifies on the next request', async (t) => {
  const { req, res } = exchange();
  const issued = issueCsrfToken(req, res, true);
  const cookie = String(res.getHeader('set-cookie')).split(';')[0];
  t.doesNotThrow(() => verifyCsrfToken(exchange(cookie).req, issued, true));
});
