/**
 * Password checks cost the same whoever asks and run once however many ask (issue 5 point 4):
 * concurrent identical Basic requests share one argon2 verification (HAZARDS H15); at every
 * place a password or client secret is checked, an unknown user (or client) and a wrong password
 * (or secret) get the same status, body and challenge, and cost the same argon2 work (an unknown
 * user is verified against a dummy hash). Work is counted with a hasher that records its calls;
 * one bounded, tolerant timing check at production argon2 cost backs it up.
 */
import t from 'tap';
import { nowSeconds, systemClock } from '../../src/clock.js';
import { createPasswordHasher } from '../../src/credentials/password-hash.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { basic, countingHasher, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

t.test('concurrent identical checks run argon2 once', async (t) => {
  const upstream = await startEchoUpstream(t);
  const hasher = countingHasher();
  const gw = await startTestGateway(t, { upstream: upstream.url, hasher });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const requests = Array.from({ length: 32 }, () =>
    fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'alice-password') } }).then((r) => r.status),
  );
  t.same(new Set(await Promise.all(requests)), new Set([200]));
  t.equal(hasher.verifications, 1, '32 simultaneous first requests, one verification');
  await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'alice-password') } });
  t.equal(hasher.verifications, 1, 'and none for later ones (cached)');
});

interface Answer {
  status: number;
  body: string;
  challenge: string | null;
}

interface EntryPoint {
  name: string;
  /** What is checked: a user's password (argon2) or a client's secret (SHA-256 digest). */
  checks: 'password' | 'client secret';
  attempt(gw: TestGateway, name: string, secret: string, context: { clientId: string; publicClientId: string }): Promise<Answer>;
}

const answerOf = async (res: Response, normalise = (body: string) => body): Promise<Answer> => ({
  status: res.status,
  body: normalise(await res.text()),
  challenge: res.headers.get('www-authenticate'),
});
/** Pages carry a fresh CSRF token and echo the username typed: neither tells anything. */
const withoutFieldValues = (html: string) => html.replace(/value="[^"]*"/g, 'value=""');
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const REDIRECT = 'http://127.0.0.1:9/callback';

const entryPoints: EntryPoint[] = [
  {
    name: 'Basic on a proxied path',
    checks: 'password',
    attempt: async (gw, username, password) => answerOf(await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic(username, password) } })),
  },
  {
    name: 'WebDAV Basic',
    checks: 'password',
    attempt: async (gw, username, password) => answerOf(await fetch(`${gw.url}/originals/`, { method: 'PROPFIND', headers: { authorization: basic(username, password), depth: '1' } })),
  },
  {
    name: 'session API login',
    checks: 'password',
    attempt: async (gw, username, password) =>
      answerOf(await fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })),
  },
  {
    name: 'authorize page sign-in',
    checks: 'password',
    async attempt(gw, username, password, { publicClientId }) {
      const query = new URLSearchParams({ client_id: publicClientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'photos', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
      const page = await getFormPage(`${gw.url}/api/v1/oauth/authorize?${query}`);
      return answerOf(await postForm(`${gw.url}/api/v1/oauth/authorize`, page, { username, password, decision: 'allow' }), withoutFieldValues);
    },
  },
  {
    name: 'device page sign-in',
    checks: 'password',
    async attempt(gw, username, password, { publicClientId }) {
      const device = (await (await fetch(`${gw.url}/api/v1/oauth/device`, { method: 'POST', headers: form, body: `client_id=${publicClientId}&scope=photos` })).json()) as { user_code: string };
      const page = await getFormPage(`${gw.url}/device?user_code=${device.user_code}`);
      const answer = await answerOf(await postForm(`${gw.url}/device`, page, { user_code: device.user_code, username, password, decision: 'allow' }), withoutFieldValues);
      return { ...answer, body: answer.body.replaceAll(device.user_code, 'USER-CODE') };
    },
  },
  {
    name: 'token endpoint, client secret in Basic',
    checks: 'client secret',
    attempt: async (gw, clientId, secret) =>
      answerOf(await fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', headers: { ...form, authorization: basic(clientId, secret) }, body: 'grant_type=client_credentials' })),
  },
  {
    name: 'token endpoint, client secret in the body',
    checks: 'client secret',
    attempt: async (gw, clientId, secret) =>
      answerOf(await fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', headers: form, body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}` })),
  },
  {
    name: 'revocation endpoint, client secret in Basic',
    checks: 'client secret',
    attempt: async (gw, clientId, secret) =>
      answerOf(await fetch(`${gw.url}/api/v1/oauth/revoke`, { method: 'POST', headers: { ...form, authorization: basic(clientId, secret) }, body: `token=${'0'.repeat(48)}` })),
  },
];

t.test('unknown and wrong get the same answer and the same work, wherever they are checked', async (t) => {
  const upstream = await startEchoUpstream(t);
  const hasher = countingHasher();
  const gw = await startTestGateway(t, { upstream: upstream.url, hasher, config: { rateLimits: { addressFailureBurst: 1000 } as never } });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const client = await gw.addClient({ scope: 'photos' });
  const publicClient = await gw.addClient({ scope: 'photos', secretDigest: null, redirectUris: [REDIRECT] });
  const context = { clientId: client.clientId, publicClientId: publicClient.clientId };
  for (const entry of entryPoints) {
    const attempt = async (name: string) => {
      const before = hasher.verifications;
      const answer = await entry.attempt(gw, name, 'not-the-secret', context);
      return { ...answer, verifications: hasher.verifications - before };
    };
    const known = entry.checks === 'password' ? 'alice' : client.clientId;
    const unknown = entry.checks === 'password' ? 'nobody' : `${client.clientId.slice(0, -4)}zzzz`;
    const wrong = await attempt(known);
    const missing = await attempt(unknown);
    t.same(missing, wrong, `${entry.name}: identical status, body, challenge and argon2 work`);
    t.ok(wrong.status === 401 || wrong.status === 400, `${entry.name}: refused (${wrong.status})`);
    t.equal(wrong.verifications, entry.checks === 'password' ? 1 : 0, `${entry.name}: ${entry.checks === 'password' ? 'one verification each' : 'no argon2 for a digest'}`);
  }
});

t.test('unknown users take as long as wrong passwords (production argon2 cost; bounded and tolerant)', async (t) => {
  const upstream = await startEchoUpstream(t);
  const production = createPasswordHasher();
  const gw = await startTestGateway(t, { upstream: upstream.url, hasher: production, config: { rateLimits: { addressFailureBurst: 1000, accountFailureBurst: 1000 } as never } });
  const now = nowSeconds(systemClock);
  await gw.store.addUser({ username: 'alice', role: 'admin', webdav: true, passwordHash: await production.hash('alice-password'), createdAt: now, updatedAt: now });
  const timed = async (username: string, i: number) => {
    const started = performance.now();
    const res = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic(username, `guess-${i}`) } });
    await res.arrayBuffer();
    t.equal(res.status, 401);
    return performance.now() - started;
  };
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const wrong: number[] = [];
  const unknown: number[] = [];
  await timed('nobody', -1); // the dummy hash is made on first use
  // Alternating which goes first cancels order effects; the CPU is shared, hence the wide band.
  for (let i = 0; i < 10; i++) {
    if (i % 2 === 0) {
      wrong.push(await timed('alice', i));
      unknown.push(await timed(`nobody-${i}`, i));
    } else {
      unknown.push(await timed(`nobody-${i}`, i));
      wrong.push(await timed('alice', i));
    }
  }
  const ratio = median(unknown) / median(wrong);
  // Skipping the dummy verification would make an unknown user some 20 times faster: far outside.
  t.ok(ratio > 1 / 3 && ratio < 3, `median ${median(unknown).toFixed(1)} ms unknown vs ${median(wrong).toFixed(1)} ms wrong (ratio ${ratio.toFixed(2)})`);
});
