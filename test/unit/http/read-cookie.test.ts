import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { readCookie } from '../../../src/http/read-cookie.js';

const request = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as IncomingMessage;

const cases = [
  { name: 'no header', input: undefined, expected: undefined },
  { name: 'empty header', input: '', expected: undefined },
  { name: 'the only cookie', input: 'c=abc', expected: 'abc' },
  { name: 'among others', input: 'a=1; c=abc; d=2', expected: 'abc' },
  { name: 'without spaces', input: 'a=1;c=abc;d=2', expected: 'abc' },
  { name: 'first of two wins', input: 'c=first; c=second', expected: 'first' },
  { name: 'a longer name is another cookie', input: 'cc=x; xc=y', expected: undefined },
  { name: 'a prefix of the name is another cookie', input: 'c-x=1', expected: undefined },
  { name: 'an empty value', input: 'c=', expected: '' },
  { name: 'a quoted value', input: 'c="abc"', expected: 'abc' },
  { name: 'equals signs in the value', input: 'c=a=b', expected: 'a=b' },
  { name: 'pairs without =', input: 'junk; c=abc', expected: 'abc' },
  { name: 'not percent-decoded', input: 'c=a%20b', expected: 'a%20b' },
];

for (const { name, input, expected } of cases) t.equal(readCookie(request(input), 'c'), expected, name);
