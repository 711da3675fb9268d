/**
 * When a browser session is idle (src/account/idle-sessions.ts `isIdle`): from its last use, else
 * its sign-in, else its creation; exactly the time-out is not yet over.
 */
import t from 'tap';
import { isIdle } from '../../../src/account/idle-sessions.js';
import { makeToken } from '../../fixtures/store/records.js';

const idle = 3600;
const cases = [
  { name: 'never used: counts from the sign-in', token: { createdAt: 1000, authTime: 1000 }, now: 1000 + idle, expected: false },
  { name: 'never used, one second past', token: { createdAt: 1000, authTime: 1000 }, now: 1001 + idle, expected: true },
  { name: 'no sign-in time: counts from its creation', token: { createdAt: 2000 }, now: 2001 + idle, expected: true },
  { name: 'used since: counts from the last use', token: { createdAt: 1000, authTime: 1000, lastUsedAt: 5000 }, now: 5000 + idle, expected: false },
  { name: 'used since, one second past', token: { createdAt: 1000, authTime: 1000, lastUsedAt: 5000 }, now: 5001 + idle, expected: true },
];
for (const { name, token, now, expected } of cases) {
  t.equal(isIdle(makeToken('s1', { kind: 'session', ...token }), now, idle), expected, name);
}
