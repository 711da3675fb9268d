import t from 'tap';
import { InvalidRequest } from '../../../src/errors.js';
import { refuseMethodOverride } from '../../../src/proxy/forwarded-headers.js';

/** Header names as Node hands them over (lower case); `refused` when the request must be refused. */
const cases: { name: string; headers: Record<string, string>; refused: boolean }[] = [
  { name: 'none', headers: { host: 'x', accept: '*/*' }, refused: false },
  { name: 'X-HTTP-Method-Override', headers: { 'x-http-method-override': 'DELETE' }, refused: true },
  { name: 'X-HTTP-Method', headers: { 'x-http-method': 'PUT' }, refused: true },
  { name: 'X-Method-Override', headers: { 'x-method-override': 'MOVE' }, refused: true },
  { name: 'underscores', headers: { x_http_method_override: 'DELETE' }, refused: true },
  { name: 'mixed underscores', headers: { 'x-http_method': 'DELETE' }, refused: true },
  { name: 'an empty value', headers: { 'x-method-override': '' }, refused: true },
  { name: 'a similar name', headers: { 'x-http-method-overrides': 'DELETE', 'x-original-method': 'GET' }, refused: false },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    if (c.refused) t.throws(() => refuseMethodOverride(c.headers), InvalidRequest);
    else t.doesNotThrow(() => refuseMethodOverride(c.headers));
  });
}
