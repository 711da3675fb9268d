/**
 * Issue 12 class 3: guessing a client secret is throttled like guessing a password, at every
 * endpoint that checks one (token with every grant, revocation, introspection, device
 * authorization; Basic and form body alike), per client address and per `client_id`. After the
 * burst the same address gets 429 with Retry-After, even with the right secret; another address
 * with the right secret still gets its token; a right secret is never refused for wrong ones
 * sent elsewhere; a secret proven right recently is not locked out, as a cached password is not.
 * Refusals are counted in photogate_* metrics and in the log as password
 * refusals are. Nothing of any of it reaches the upstream. Time is a manual clock.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

/** Where a secret is checked. */
type Via = 'token-basic' | 'token-post' | 'refresh' | 'code' | 'revoke' | 'introspect' | 'device' | 'password-basic';
const secretVias: Via[] = ['token-basic', 'token-post', 'refresh', 'code', 'revoke', 'introspect', 'device'];
/** The status each endpoint answers a right secret with (a bogus code or refresh token: invalid_grant). */
const rightStatus: Record<Via, number> = { 'token-basic': 200, 'token-post': 200, refresh: 400, code: 400, revoke: 200, introspect: 200, device: 200, 'password-basic': 200 };

interface Step {
  via: Via;
  /** Which client: a or b (registered), or one nobody registered. */
  client?: 'a' | 'b' | 'unknown';
  secret: 'right' | 'wrong';
  from?: string;
  times?: number;
  /** Default: rightStatus for a right secret, 401 for a wrong one. */
  status?: number;
  retryAfter?: number;
  /** Moves the clock before the attempts. */
  advanceMs?: number;
}

interface Scenario {
  name: string;
  rateLimits?: { addressFailureBurst?: number; accountFailureBurst?: number };
  cacheTtlSeconds?: number;
  trustProxy?: boolean;
  steps: Step[];
}

const wrong = (via: Via, extra: Partial<Step> = {}): Step => ({ via, secret: 'wrong', ...extra });
const right = (via: Via, extra: Partial<Step> = {}): Step => ({ via, secret: 'right', ...extra });

const scenarios: Scenario[] = [
  ...secretVias.map((via): Scenario => ({
    name: `per address at ${via}: a burst, then 429 with Retry-After, the right secret included`,
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong(via, { times: 3 }), wrong(via, { status: 429, retryAfter: 60, times: 2 }), right(via, { status: 429, retryAfter: 60 })],
  })),
  {
    name: 'the issue: sixty wrong secrets in a row, Basic and form body alternating, with the default limits',
    steps: Array.from({ length: 60 }, (_, i) => wrong(i % 2 ? 'token-basic' : 'token-post', { status: i < 10 ? 401 : 429 })),
  },
  {
    name: 'every endpoint takes from the same bucket',
    rateLimits: { addressFailureBurst: 4 },
    steps: [wrong('token-basic'), wrong('revoke'), wrong('introspect'), wrong('device'), wrong('refresh', { status: 429 }), wrong('code', { status: 429 }), wrong('token-post', { status: 429 })],
  },
  {
    name: 'client secrets and passwords share the address bucket',
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('password-basic', { times: 2 }), wrong('token-post'), wrong('token-basic', { status: 429 }), wrong('password-basic', { status: 429 })],
  },
  {
    name: 'unknown client_ids count too',
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('token-basic', { client: 'unknown', times: 3 }), wrong('token-basic', { client: 'unknown', status: 429 }), right('token-basic', { status: 429 })],
  },
  {
    name: 'another address with the right secret still gets its token',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('token-basic', { from: '198.51.100.1', times: 3 }), wrong('token-basic', { from: '198.51.100.1', status: 429 }), right('token-basic', { from: '203.0.113.9' }), right('token-post', { from: '203.0.113.9' }), right('introspect', { from: '203.0.113.9' })],
  },
  {
    name: 'per client_id: guessing from many addresses throttles the guessing addresses for that client',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 100, accountFailureBurst: 3 },
    steps: [
      wrong('token-basic', { from: '198.51.100.1' }),
      wrong('token-post', { from: '198.51.100.2' }),
      wrong('revoke', { from: '198.51.100.3' }),
      wrong('token-basic', { from: '198.51.100.1', status: 429, retryAfter: 60 }),
      wrong('introspect', { from: '198.51.100.2', status: 429, retryAfter: 60 }),
      right('token-basic', { from: '198.51.100.3', status: 429 }),
      // Other clients are not throttled for those addresses.
      right('token-basic', { client: 'b', from: '198.51.100.1' }),
      wrong('token-basic', { client: 'b', from: '198.51.100.1' }),
    ],
  },
  {
    name: 'per client_id: a right secret is never refused for wrong ones sent elsewhere',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 100, accountFailureBurst: 3 },
    steps: [
      wrong('token-basic', { from: '198.51.100.1', times: 3 }),
      wrong('token-basic', { from: '198.51.100.1', status: 429 }),
      ...secretVias.map((via) => right(via, { from: '203.0.113.9' })),
      right('token-basic', { from: '203.0.113.10', times: 3 }),
      // A clean address's wrong guess is still evaluated (and counted): one guess, then 429.
      wrong('token-basic', { from: '203.0.113.11' }),
      wrong('token-basic', { from: '203.0.113.11', status: 429 }),
    ],
  },
  {
    name: 'the client_id bucket refills at 1 a minute',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 100, accountFailureBurst: 2 },
    steps: [
      wrong('token-basic', { from: '198.51.100.1', times: 2 }),
      wrong('token-basic', { from: '198.51.100.1', status: 429, retryAfter: 60 }),
      wrong('token-basic', { from: '198.51.100.1', status: 429, retryAfter: 30, advanceMs: 30_000 }),
      wrong('token-basic', { from: '198.51.100.1', advanceMs: 30_000 }),
      wrong('token-basic', { from: '198.51.100.1', status: 429, retryAfter: 60 }),
    ],
  },
  {
    name: 'a client that proved its secret is not locked out by failures from its address (as a cached password)',
    rateLimits: { addressFailureBurst: 3 },
    steps: [
      right('token-basic'),
      wrong('token-basic', { client: 'b', times: 3 }),
      wrong('token-basic', { client: 'b', status: 429 }),
      right('token-basic', { times: 3 }),
      right('token-post'),
      right('introspect'),
      right('revoke'),
      right('token-basic', { client: 'b', status: 429 }),
      wrong('token-basic', { status: 429 }),
    ],
  },
  {
    name: 'a client that proved its secret is not locked out by guesses at its client_id',
    trustProxy: true,
    rateLimits: { addressFailureBurst: 100, accountFailureBurst: 3 },
    steps: [
      right('token-basic', { from: '198.51.100.3' }),
      wrong('token-basic', { from: '198.51.100.1' }),
      wrong('token-basic', { from: '198.51.100.2' }),
      wrong('token-basic', { from: '198.51.100.3' }),
      wrong('token-basic', { from: '198.51.100.3', status: 429 }),
      right('token-basic', { from: '198.51.100.3' }),
    ],
  },
  {
    name: 'the proof lasts cache.ttlSeconds',
    rateLimits: { addressFailureBurst: 3 },
    cacheTtlSeconds: 60,
    steps: [right('token-basic'), wrong('token-post', { times: 3, advanceMs: 61_000 }), wrong('token-post', { status: 429 }), right('token-basic', { status: 429 })],
  },
  {
    name: 'a success refunds nothing',
    rateLimits: { addressFailureBurst: 3 },
    steps: [wrong('token-basic', { times: 2 }), right('token-basic'), wrong('token-post'), wrong('token-post', { status: 429 })],
  },
];

interface Context {
  url: string;
  clients: { a: { id: string; secret: string }; b: { id: string; secret: string } };
  alicePassword: string;
}

const form = 'application/x-www-form-urlencoded';

function attempt(ctx: Context, step: Step): Promise<Response> {
  const client = step.client === 'unknown' ? { id: 'cl-nobody', secret: 'none' } : ctx.clients[step.client ?? 'a'];
  const secret = step.secret === 'right' ? client.secret : `wrong-${randomBytes(8).toString('hex')}`;
  const headers: Record<string, string> = step.from ? { 'x-forwarded-for': step.from } : {};
  if (step.via === 'password-basic') {
    const password = step.secret === 'right' ? ctx.alicePassword : secret;
    return fetch(`${ctx.url}/api/v1/photos`, { headers: { ...headers, authorization: basic('alice', password) } });
  }
  const body = new URLSearchParams();
  const path = { 'token-basic': 'token', 'token-post': 'token', refresh: 'token', code: 'token', revoke: 'revoke', introspect: 'introspect', device: 'device' }[step.via];
  if (step.via === 'token-basic' || step.via === 'token-post') body.set('grant_type', 'client_credentials');
  const grantParams: Partial<Record<Via, Record<string, string>>> = {
    refresh: { grant_type: 'refresh_token', refresh_token: 'bogus' },
    code: { grant_type: 'authorization_code', code: 'bogus', redirect_uri: 'https://app.example/cb', code_verifier: 'x'.repeat(43) },
  };
  for (const [key, value] of Object.entries(grantParams[step.via] ?? {})) body.set(key, value);
  if (step.via === 'revoke' || step.via === 'introspect') body.set('token', 'bogus');
  if (step.via === 'token-post') {
    body.set('client_id', client.id);
    body.set('client_secret', secret);
  } else {
    headers.authorization = basic(encodeURIComponent(client.id), encodeURIComponent(secret));
  }
  return fetch(`${ctx.url}/api/v1/oauth/${path}`, { method: 'POST', headers: { ...headers, 'content-type': form }, body });
}

t.test('client-secret guessing', async (t) => {
  for (const s of scenarios) {
    await t.test(s.name, async (t) => {
      const upstream = await startEchoUpstream(t);
      const clock = manualClock(Date.now());
      const config = { rateLimits: s.rateLimits ?? {}, trustedProxies: s.trustProxy ? ['127.0.0.1'] : [], ...(s.cacheTtlSeconds ? { cache: { ttlSeconds: s.cacheTtlSeconds } } : {}) };
      const gw = await startTestGateway(t, { upstream: upstream.url, clock, config: config as never });
      const alicePassword = 'alice-password';
      await gw.addUser('alice', alicePassword, { role: 'admin' });
      const a = await gw.addClient({ redirectUris: ['https://app.example/cb'] });
      const b = await gw.addClient();
      const ctx: Context = { url: gw.url, clients: { a: { id: a.clientId, secret: a.secret }, b: { id: b.clientId, secret: b.secret } }, alicePassword };
      const forwarded = (step: Step) => step.via === 'password-basic' && step.secret === 'right';
      let expectedForwards = 0;
      for (const [i, step] of s.steps.entries()) {
        const expected = step.status ?? (step.secret === 'right' ? rightStatus[step.via] : 401);
        if (step.advanceMs) clock.advance(step.advanceMs);
        const label = `step ${i + 1} (${step.via} ${step.client ?? 'a'} ${step.secret}${step.from ? ` from ${step.from}` : ''})`;
        for (let n = 0; n < (step.times ?? 1); n++) {
          const res = await attempt(ctx, step);
          const body = await res.text();
          t.equal(res.status, expected, `${label}: ${expected}`);
          if (res.status === 429) {
            t.equal(JSON.parse(body).error, 'too_many_requests', `${label}: too_many_requests`);
            t.ok(Number(res.headers.get('retry-after')) >= 1, `${label}: Retry-After`);
          }
          if (res.status === 401 && step.via !== 'password-basic') t.equal(JSON.parse(body).error, 'invalid_client', `${label}: invalid_client`);
          if (step.retryAfter !== undefined) t.equal(res.headers.get('retry-after'), String(step.retryAfter), `${label}: Retry-After ${step.retryAfter}`);
          if (forwarded(step) && res.status === 200) expectedForwards++;
        }
      }
      t.equal(upstream.seen.length, expectedForwards, 'the upstream saw nothing but the allowed proxied requests');
      t.notOk(upstream.seen.some((r) => r.url.includes('oauth')), 'no OAuth request reached the upstream');
    });
  }
});

t.test('refusals are counted in the metrics and the log like password refusals', async (t) => {
  const upstream = await startEchoUpstream(t);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'debug', base: { name: 'photogate' } }, sink);
  const gw = await startTestGateway(t, { upstream: upstream.url, logger, config: { rateLimits: { addressFailureBurst: 2 }, log: { requests: true } } as never });
  const client = await gw.addClient();
  const metricsToken = (await gw.addAccessToken('metrics')).secret;
  const ctx: Context = { url: gw.url, clients: { a: { id: client.clientId, secret: client.secret }, b: { id: client.clientId, secret: client.secret } }, alicePassword: '' };
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await attempt(ctx, wrong('token-basic'))).status);
  t.same(statuses, [401, 401, 429, 429, 429]);

  const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
  t.match(metrics, /photogate_requests_total\{kind="endpoint",resource="\/api\/v1\/oauth\/token",status="401"\} 2\b/, 'two 401s counted');
  t.match(metrics, /photogate_requests_total\{kind="endpoint",resource="\/api\/v1\/oauth\/token",status="429"\} 3\b/, 'three 429s counted');

  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const requestLines = entries.filter((e) => e.msg === 'request' && e.path === '/api/v1/oauth/token');
  t.same(requestLines.map((e) => e.status), [401, 401, 429, 429, 429], 'each refusal has its request log line');
  const refusals = entries.filter((e) => e.msg === 'request refused');
  t.equal(refusals.filter((e) => e.code === 'invalid_client').length, 2, 'wrong secrets logged as refusals');
  t.equal(refusals.filter((e) => e.code === 'too_many_requests').length, 3, 'throttled attempts logged as refusals');
  t.notOk(lines.some((line) => line.includes(client.secret)), 'no secret in the log');
});
