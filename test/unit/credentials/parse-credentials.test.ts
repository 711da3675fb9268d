import t from 'tap';
import { parseCredentials } from '../../../src/credentials/parse-credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const cases: { name: string; headers: Record<string, string[]>; expected?: unknown; error?: string }[] = [
  { name: 'nothing', headers: {}, expected: undefined },
  { name: 'bearer', headers: { authorization: ['Bearer abc.DEF-123_~+/='] }, expected: { type: 'token', token: 'abc.DEF-123_~+/=' } },
  { name: 'bearer, lower-case scheme', headers: { authorization: ['bearer abc'] }, expected: { type: 'token', token: 'abc' } },
  { name: 'bearer, upper-case scheme', headers: { authorization: ['BEARER abc'] }, expected: { type: 'token', token: 'abc' } },
  { name: 'bearer, several spaces', headers: { authorization: ['Bearer   abc'] }, expected: { type: 'token', token: 'abc' } },
  { name: 'bearer, surrounding spaces', headers: { authorization: ['  Bearer abc  '] }, expected: { type: 'token', token: 'abc' } },
  { name: 'x-auth-token', headers: { 'x-auth-token': ['abc'] }, expected: { type: 'token', token: 'abc' } },
  { name: 'x-session-id', headers: { 'x-session-id': ['abc'] }, expected: { type: 'token', token: 'abc' } },
  { name: 'basic', headers: { authorization: [`Basic ${b64('alice:pa:ss word')}`] }, expected: { type: 'basic', username: 'alice', password: 'pa:ss word' } },
  { name: 'basic utf-8', headers: { authorization: [`basic ${b64('zoë:pässwörd')}`] }, expected: { type: 'basic', username: 'zoë', password: 'pässwörd' } },
  { name: 'other scheme is no credential', headers: { authorization: ['Digest username="a"'] }, expected: undefined },
  { name: 'two credential headers', headers: { authorization: ['Bearer a'], 'x-auth-token': ['b'] }, error: 'invalid_request' },
  { name: 'x-auth-token and x-session-id', headers: { 'x-session-id': ['a'], 'x-auth-token': ['b'] }, error: 'invalid_request' },
  { name: 'authorization twice', headers: { authorization: ['Bearer a', 'Bearer b'] }, error: 'invalid_request' },
  { name: 'x-auth-token twice', headers: { 'x-auth-token': ['a', 'b'] }, error: 'invalid_request' },
  { name: 'bearer without token', headers: { authorization: ['Bearer'] }, error: 'invalid_token' },
  { name: 'bearer with two tokens', headers: { authorization: ['Bearer a b'] }, error: 'invalid_token' },
  { name: 'bearer with bad characters', headers: { authorization: ['Bearer a,b'] }, error: 'invalid_token' },
  { name: 'x-auth-token with bad characters', headers: { 'x-auth-token': ['a b'] }, error: 'invalid_token' },
  { name: 'x-auth-token empty', headers: { 'x-auth-token': [''] }, error: 'invalid_token' },
  { name: 'basic not base64', headers: { authorization: ['Basic !!!'] }, error: 'invalid_token' },
  { name: 'basic without colon', headers: { authorization: [`Basic ${b64('alice')}`] }, error: 'invalid_token' },
  { name: 'basic empty user', headers: { authorization: [`Basic ${b64(':secret')}`] }, error: 'invalid_token' },
  { name: 'basic empty password', headers: { authorization: [`Basic ${b64('alice:')}`] }, error: 'invalid_token' },
  { name: 'basic bad padding', headers: { authorization: ['Basic YWxpY2U6cHc'] }, error: 'invalid_token' },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    if (c.error) t.throws(() => parseCredentials(c.headers), { code: c.error });
    else t.same(parseCredentials(c.headers), c.expected);
  });
}
