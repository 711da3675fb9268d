/**
 * Issue 5 point 4, as a table of scenarios against a running gateway: failed password and
 * app-password checks are limited per client address and per account (429 with Retry-After,
 * RFC 6585 §4) before argon2 runs; X-Forwarded-For moves the address only when it comes from a
 * trusted proxy; the limiter's memory is bounded; a valid, cached credential is never locked out
 * by anyone's failures. Time is a manual clock; argon2 work is counted, not timed.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { basic, countingHasher, startTestGateway } from '../helpers/test-gateway.js';

interface Step {
  /** How the attempt is made: Basic on a proxied path, a wrong Bearer token, or the session API. */
  via: 'basic' | 'bearer' | 'session';
  user?: string;
  /** right: the user's password; app: alice's app password; wrong, wrong-app: a new guess each time. */
  password?: 'right' | 'wrong' | 'app' | 'wrong-app';
  /** Sent as X-Forwarded-For. */
  from?: string;
  times?: number;
  status: number;
  /** The Retry-After of a 429, in seconds. */
  retryAfter?: number;
  /** argon2 verifications these attempts may run in all. */
  verifications?: number;
  /** Moves the clock before the attempts. */
  advanceMs?: number;
}

interface Scenario {
  name: string;
  rateLimits?: { addressFailureBurst?: number; addressFailuresPerMinute?: number; accountFailureBurst?: number; maxTrackedKeys?: number };
  trustProxy?: boolean;
  steps: Step[];
}

const wrong = (user: string, status: number, times = 1, extra: Partial<Step> = {}): Step => ({ via: 'basic', user, password: 'wrong', status, times, ...extra });
const right = (user: string, status: number, extra: Partial<Step> = {}): Step => ({ via: 'basic', user, password: 'right', status, ...extra });

const scenarios: Scenario[] = [
  {
    name: 'per address: a burst, then 429 with Retry-After, without hashing',
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('mallory', 401, 3), wrong('mallory', 429, 5, { retryAfter: 60, verifications: 0 })],
  },
  {
    name: 'per address: one more attempt a minute later, Retry-After counts down',
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('mallory', 401, 3), wrong('mallory', 429, 1, { advanceMs: 30_000, retryAfter: 30 }), wrong('mallory', 401, 1, { advanceMs: 30_000 }), wrong('mallory', 429, 1, { retryAfter: 60 })],
  },
  {
    name: 'per address: guessing other accounts does not help',
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('alice', 401), wrong('bob', 401), wrong('carol', 401), wrong('dave', 429), wrong('nobody', 429)],
  },
  {
    name: 'per account: failures from many addresses throttle the account, not other accounts',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 100, accountFailureBurst: 3 },
    steps: [wrong('alice', 401, 1, { from: '198.51.100.1' }), wrong('alice', 401, 1, { from: '198.51.100.2' }), wrong('alice', 401, 1, { from: '198.51.100.3' }), wrong('alice', 429, 1, { from: '198.51.100.4', retryAfter: 60 }), wrong('bob', 401, 1, { from: '198.51.100.4' })],
  },
  {
    name: 'per account: the account is the same in any letter case',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 100, accountFailureBurst: 3 },
    steps: [wrong('alice', 401, 1, { from: '198.51.100.1' }), wrong('ALICE', 401, 1, { from: '198.51.100.2' }), wrong('Alice', 401, 1, { from: '198.51.100.3' }), wrong('aLiCe', 429, 1, { from: '198.51.100.4' })],
  },
  {
    name: 'X-Forwarded-For from an untrusted peer does not give a fresh bucket',
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('mallory', 401, 1, { from: '198.51.100.1' }), wrong('mallory', 401, 1, { from: '198.51.100.2' }), wrong('mallory', 401, 1, { from: '198.51.100.3' }), wrong('mallory', 429, 1, { from: '198.51.100.4' })],
  },
  {
    name: 'behind a trusted proxy, each client address has its own bucket',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 3, accountFailureBurst: 100 },
    steps: [wrong('mallory', 401, 3, { from: '198.51.100.1' }), wrong('mallory', 429, 1, { from: '198.51.100.1' }), wrong('mallory', 401, 1, { from: '198.51.100.2' }), right('bob', 200, { from: '198.51.100.2' })],
  },
  {
    name: "a cached credential is not locked out by others' failures from its address",
    rateLimits: { addressFailureBurst: 3 },
    steps: [right('alice', 200), wrong('mallory', 401, 3), wrong('mallory', 429), right('alice', 200, { times: 5, verifications: 0 }), right('bob', 429, { verifications: 0 })],
  },
  {
    name: 'a cached credential is not locked out by failures against its own account',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 100, accountFailureBurst: 3 },
    steps: [right('alice', 200, { from: '203.0.113.1' }), wrong('alice', 401, 3, { from: '198.51.100.1' }), wrong('alice', 429, 1, { from: '198.51.100.2' }), right('alice', 200, { from: '203.0.113.1' }), right('alice', 200, { from: '203.0.113.99' })],
  },
  {
    name: 'a cached app password is not locked out either',
    rateLimits: { addressFailureBurst: 3 },
    steps: [{ via: 'basic', user: 'alice', password: 'app', status: 200 }, wrong('alice', 401, 3), wrong('alice', 429), { via: 'basic', user: 'alice', password: 'app', status: 200, times: 3 }],
  },
  {
    name: 'wrong app passwords over Basic count as failed password checks',
    rateLimits: { addressFailureBurst: 3 },
    steps: [{ via: 'basic', user: 'alice', password: 'wrong-app', status: 401, times: 3 }, { via: 'basic', user: 'alice', password: 'wrong-app', status: 429, retryAfter: 60 }],
  },
  {
    name: 'a success refunds nothing',
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('mallory', 401, 2), right('bob', 200), wrong('mallory', 401), wrong('mallory', 429)],
  },
  {
    name: 'wrong Bearer tokens (192-bit random values) are not counted',
    rateLimits: { addressFailureBurst: 3 },
    steps: [{ via: 'bearer', status: 401, times: 20, verifications: 0 }, wrong('mallory', 401)],
  },
  {
    name: 'session API logins share the limit and answer 429 with Retry-After',
    rateLimits: { addressFailureBurst: 3 },
    steps: [{ via: 'session', user: 'alice', password: 'wrong', status: 401, times: 2 }, wrong('alice', 401), { via: 'session', user: 'alice', password: 'wrong', status: 429, retryAfter: 60 }, { via: 'session', user: 'alice', password: 'right', status: 429, verifications: 0 }],
  },
  {
    name: 'memory is bounded: past maxTrackedKeys the least recent bucket is forgotten (a forgotten bucket is full)',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 3, accountFailureBurst: 10_000, maxTrackedKeys: 20 },
    steps: [
      wrong('mallory', 401, 3, { from: '198.51.100.1' }),
      wrong('mallory', 429, 1, { from: '198.51.100.1' }),
      ...Array.from({ length: 30 }, (_, i) => wrong('mallory', 401, 1, { from: `203.0.113.${i + 1}` })),
      wrong('mallory', 401, 1, { from: '198.51.100.1' }),
    ],
  },
];

t.test('brute force', async (t) => {
  for (const s of scenarios) {
    await t.test(s.name, async (t) => {
      const upstream = await startEchoUpstream(t);
      const clock = manualClock(Date.now());
      const hasher = countingHasher();
      const config = { rateLimits: s.rateLimits ?? {}, trustedProxies: s.trustProxy ? ['127.0.0.1'] : [] };
      const gw = await startTestGateway(t, { upstream: upstream.url, clock, hasher, config: config as never });
      const passwords: Record<string, string> = { alice: 'alice-password', bob: 'bob-password' };
      await gw.addUser('alice', passwords.alice!, { role: 'admin' });
      await gw.addUser('bob', passwords.bob!, { role: 'admin' });
      const app = (await gw.addAppPassword('alice', '*')).secret;

      const attempt = async (step: Step) => {
        const user = step.user ?? 'alice';
        const password = { right: passwords[user.toLowerCase()] ?? 'none', app, wrong: `guess-${randomBytes(6).toString('hex')}`, 'wrong-app': `${randomBytes(12).toString('hex')}` }[step.password ?? 'wrong'];
        const headers: Record<string, string> = step.from ? { 'x-forwarded-for': step.from } : {};
        if (step.via === 'session') {
          return fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password }) });
        }
        headers.authorization = step.via === 'bearer' ? `Bearer ${randomBytes(24).toString('hex')}` : basic(user, password);
        return fetch(`${gw.url}/api/v1/photos`, { headers });
      };

      for (const [i, step] of s.steps.entries()) {
        if (step.advanceMs) clock.advance(step.advanceMs);
        const before = hasher.verifications;
        const label = `step ${i + 1} (${step.via} ${step.user ?? ''} ${step.password ?? ''}${step.from ? ` from ${step.from}` : ''})`;
        for (let n = 0; n < (step.times ?? 1); n++) {
          const res = await attempt(step);
          const body = await res.text();
          t.equal(res.status, step.status, `${label}: ${step.status}`);
          if (res.status === 429) {
            t.equal(JSON.parse(body).error, 'too_many_requests', `${label}: error code`);
            t.ok(Number(res.headers.get('retry-after')) >= 1, `${label}: Retry-After present`);
          }
          if (step.retryAfter !== undefined) t.equal(res.headers.get('retry-after'), String(step.retryAfter), `${label}: Retry-After ${step.retryAfter}`);
        }
        if (step.verifications !== undefined) t.equal(hasher.verifications - before, step.verifications, `${label}: ${step.verifications} argon2 verifications`);
      }
    });
  }
});
