import t from 'tap';
import { createFailureLimiter } from '../../../src/access/failure-limiter.js';
import { TooManyRequests } from '../../../src/errors.js';
import { manualClock } from '../../helpers/manual-clock.js';

const defaults = { addressBurst: 10, addressPerMinute: 1, accountBurst: 20, maxTrackedKeys: 1000 };

function setup(options: Partial<typeof defaults> = {}) {
  const clock = manualClock();
  return { clock, limiter: createFailureLimiter({ ...defaults, ...options, clock }) };
}

/** The Retry-After seconds check throws, or undefined when it lets the attempt through. */
function retryAfter(check: () => void): number | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof TooManyRequests)) throw error;
    return Number(error.headers['retry-after']);
  }
}

t.test('an address: a burst of 10, then 1 a minute', async (t) => {
  const { clock, limiter } = setup();
  for (let i = 0; i < 10; i++) {
    t.equal(retryAfter(() => limiter.check('203.0.113.7')), undefined, `attempt ${i + 1} allowed`);
    limiter.recordFailure('203.0.113.7');
  }
  const error = t.throws(() => limiter.check('203.0.113.7'), TooManyRequests) as TooManyRequests;
  t.equal(error.status, 429);
  t.equal(error.code, 'too_many_requests');
  t.equal(error.headers['retry-after'], '60', 'one token a minute');
  clock.advance(15_000);
  t.equal(retryAfter(() => limiter.check('203.0.113.7')), 45, 'the wait shrinks with time');
  clock.advance(44_999);
  t.equal(retryAfter(() => limiter.check('203.0.113.7')), 1, 'rounded up, never 0');
  clock.advance(1);
  t.equal(retryAfter(() => limiter.check('203.0.113.7')), undefined, 'a token after a minute');
  limiter.recordFailure('203.0.113.7');
  t.equal(retryAfter(() => limiter.check('203.0.113.7')), 60, 'and it is spent again');
  t.equal(retryAfter(() => limiter.check('198.51.100.1')), undefined, 'other addresses are not affected');
});

t.test('refill over time is capped at the burst', async (t) => {
  const { clock, limiter } = setup();
  for (let i = 0; i < 10; i++) limiter.recordFailure('a');
  clock.advance(3 * 60_000);
  for (let i = 0; i < 3; i++) {
    t.equal(retryAfter(() => limiter.check('a')), undefined);
    limiter.recordFailure('a');
  }
  t.equal(retryAfter(() => limiter.check('a')), 60, 'three minutes bought three attempts');
  clock.advance(24 * 3600_000);
  for (let i = 0; i < 10; i++) limiter.recordFailure('a');
  t.equal(retryAfter(() => limiter.check('a')), 60, 'a day bought no more than the burst');
});

t.test('addressPerMinute', async (t) => {
  const { clock, limiter } = setup({ addressBurst: 2, addressPerMinute: 4 });
  limiter.recordFailure('a');
  limiter.recordFailure('a');
  t.equal(retryAfter(() => limiter.check('a')), 15, 'four a minute: one every 15 s');
  clock.advance(15_000);
  t.equal(retryAfter(() => limiter.check('a')), undefined);
});

t.test('an account: a burst of 20 from anywhere, then 1 a minute', async (t) => {
  const { clock, limiter } = setup();
  for (let i = 0; i < 20; i++) {
    const address = `198.51.100.${i}`;
    t.equal(retryAfter(() => limiter.check(address, 'alice')), undefined);
    limiter.recordFailure(address, 'alice');
  }
  t.equal(retryAfter(() => limiter.check('192.0.2.1', 'alice')), 60, 'a fresh address cannot try alice');
  t.equal(retryAfter(() => limiter.check('192.0.2.1', 'ALICE')), 60, 'nor her name in capitals');
  t.equal(retryAfter(() => limiter.check('192.0.2.1', 'bob')), undefined, 'other accounts are not affected');
  t.equal(retryAfter(() => limiter.check('192.0.2.1')), undefined, 'nor the address without an account');
  clock.advance(60_000);
  t.equal(retryAfter(() => limiter.check('192.0.2.1', 'alice')), undefined, 'one more a minute');
});

t.test('the emptier bucket decides the wait', async (t) => {
  const { clock, limiter } = setup({ addressBurst: 1, addressPerMinute: 1, accountBurst: 1 });
  limiter.recordFailure('a', 'alice');
  clock.advance(30_000);
  limiter.recordFailure('b', 'bob');
  t.equal(retryAfter(() => limiter.check('a', 'bob')), 60, 'bob is empty for 60 s, address a for 30 s');
});

t.test('only failures take tokens', async (t) => {
  const { limiter } = setup({ addressBurst: 1 });
  for (let i = 0; i < 100; i++) limiter.check('a', 'alice');
  t.equal(limiter.size, 0, 'checks alone track nothing');
});

t.test('parallel failures empty a bucket but do not overdraw it', async (t) => {
  const { clock, limiter } = setup();
  for (let i = 0; i < 50; i++) limiter.recordFailure(`198.51.100.${i}`, 'alice');
  t.equal(retryAfter(() => limiter.check('192.0.2.1', 'alice')), 60, 'wait no longer than one refill');
  clock.advance(60_000);
  t.equal(retryAfter(() => limiter.check('192.0.2.1', 'alice')), undefined);
});

t.test('IPv6: one /64 is one client; IPv4-mapped is IPv4', async (t) => {
  const { limiter } = setup({ addressBurst: 3 });
  limiter.recordFailure('2001:db8:1:2::1');
  limiter.recordFailure('2001:db8:1:2::2');
  limiter.recordFailure('2001:db8:1:2:ffff:ffff:ffff:ffff');
  t.equal(retryAfter(() => limiter.check('2001:db8:1:2::9')), 60, 'rotating within the /64 buys nothing');
  t.equal(retryAfter(() => limiter.check('2001:db8:1:3::1')), undefined, 'the next /64 is another client');
  limiter.recordFailure('::ffff:192.0.2.1');
  limiter.recordFailure('192.0.2.1');
  limiter.recordFailure('::ffff:192.0.2.1');
  t.equal(retryAfter(() => limiter.check('192.0.2.1')), 60, 'a dual-stack socket reports the same IPv4 client');
});

t.test('memory stays bounded', async (t) => {
  const { limiter } = setup({ maxTrackedKeys: 1000 });
  for (let i = 0; i < 1_000_000; i++) {
    limiter.recordFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, i % 10 === 0 ? `user${i}` : undefined);
    if (limiter.size > 1000) break;
  }
  t.equal(limiter.size, 1000, '1,000,000 distinct keys, at most maxTrackedKeys buckets');
  const key = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  t.equal(retryAfter(() => limiter.check(key(0))), undefined, 'the least recently seen are forgotten (a forgotten bucket is full)');
});

t.test('the least recently used bucket goes first, and a throttled client keeps its bucket by trying', async (t) => {
  const { limiter } = setup({ addressBurst: 1, maxTrackedKeys: 3 });
  limiter.recordFailure('attacker');
  limiter.recordFailure('b');
  limiter.recordFailure('c');
  t.equal(retryAfter(() => limiter.check('attacker')), 60, 'a refused check counts as use');
  limiter.recordFailure('d');
  t.equal(retryAfter(() => limiter.check('attacker')), 60, 'so b was forgotten, not the attacker');
  t.equal(retryAfter(() => limiter.check('b')), undefined);
});

t.test("an account's wait and an address's clean record (client secrets, issue 12)", async (t) => {
  const { clock, limiter } = setup({ addressBurst: 3, accountBurst: 2 });
  t.equal(limiter.accountWaitSeconds('client:abc'), 0, 'an account never seen has attempts left');
  t.ok(limiter.hasCleanRecord('203.0.113.7'), 'an address never seen is clean');
  limiter.recordFailure('203.0.113.7', 'client:abc');
  t.notOk(limiter.hasCleanRecord('203.0.113.7'), 'one failure taints the address');
  t.ok(limiter.hasCleanRecord('198.51.100.1'), 'other addresses stay clean');
  t.equal(limiter.accountWaitSeconds('client:abc'), 0, 'one attempt left');
  limiter.recordFailure('198.51.100.1', 'client:abc');
  t.equal(limiter.accountWaitSeconds('client:abc'), 60, 'out of attempts: a minute to the next');
  t.equal(limiter.accountWaitSeconds('CLIENT:ABC'), 60, 'the same account in any letter case');
  t.equal(limiter.accountWaitSeconds('user:abc'), 0, 'another kind of account is another bucket');
  clock.advance(20_000);
  t.equal(limiter.accountWaitSeconds('client:abc'), 40, 'the wait shrinks with time');
  t.notOk(limiter.hasCleanRecord('203.0.113.7'), 'not clean while the lost attempt grows back');
  clock.advance(40_000);
  t.equal(limiter.accountWaitSeconds('client:abc'), 0, 'and ends');
  t.ok(limiter.hasCleanRecord('203.0.113.7'), 'clean again once the attempt it lost has grown back (1 a minute)');
});
