/**
 * The idle time-out of /account sessions (issue 14; account/idle-sessions.ts) through a real
 * gateway on a hand-moved clock: a session used within `account.idleTimeoutSeconds` goes on (each
 * use starts the time-out again), one not used for longer asks for sign-in again and is removed
 * from the store, a form posted with it is refused like one without a session, and the absolute
 * lifetime still ends a session used all the time. The uses are those written to the store too:
 * the time-out holds after a restart.
 */
import { dirname } from 'node:path';
import t, { type Test } from 'tap';
import type { AuditEvent } from '../../src/audit/audit.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const hour = 3_600_000;
const minute = 60_000;

async function setUp(t: Test) {
  const clock = manualClock();
  const upstream = await startEchoUpstream(t);
  const config = { account: { idleTimeoutSeconds: 3600, sessionTtlSeconds: 4 * 3600 } } as never;
  const events: AuditEvent[] = [];
  const gw = await startTestGateway(t, { upstream: upstream.url, clock, config, audit: { record: (event) => events.push(event) } });
  await gw.addUser('alice', 'correct horse');
  const form = await getFormPage(`${gw.url}/account`);
  const signedIn = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: 'correct horse' });
  const cookie = `${form.cookie}; ${signedIn.headers.getSetCookie().find((c) => c.startsWith('photogate-account='))?.split(';')[0]}`;
  const isSignedIn = async () => /Signed in as <strong>alice<\/strong>/.test((await getFormPage(`${gw.url}/account`, cookie)).html);
  const sessions = async () => (await gw.store.listTokens()).filter((token) => token.kind === 'session' && token.grantType === 'browser');
  return { clock, gw, cookie, isSignedIn, sessions, upstream, config, events };
}

t.test('used within the idle time-out it goes on; idle for longer it is over and removed', async (t) => {
  const { clock, cookie, gw, isSignedIn, sessions, events } = await setUp(t);
  const [session] = await sessions();
  clock.advance(59 * minute);
  t.ok(await isSignedIn(), '59 minutes after sign-in: still signed in');
  clock.advance(59 * minute);
  t.ok(await isSignedIn(), '59 minutes after the last use (118 after sign-in): still signed in');
  clock.advance(61 * minute);
  t.notOk(await isSignedIn(), '61 minutes idle: asked to sign in again');
  t.same(await sessions(), [], 'the idle session is removed from the store');
  t.match(
    events.filter((event) => event.event === 'token_revoked'),
    [{ outcome: 'success', username: 'alice', credential: session?.id, action: 'session ended', reason: 'idle time-out' }],
    'and the end is in the audit trail',
  );

  // A form posted with the idle cookie is refused like one without a session.
  const page = await getFormPage(`${gw.url}/account`, cookie);
  const create = await postForm(`${gw.url}/account/app-passwords`, page, { name: 'phone', resource_photos: 'on', expiry: 'never' });
  t.equal(create.status, 401);
  t.equal((await gw.store.listTokens()).filter((token) => token.kind === 'app_password').length, 0, 'nothing created');
});

t.test('the OAuth/OIDC sign-in page shares the session and its idle time-out', async (t) => {
  const { clock, cookie, gw, isSignedIn } = await setUp(t);
  const redirectUri = 'http://127.0.0.1:9/callback';
  const { clientId } = await gw.addClient({ name: 'frame', secretDigest: null, scope: 'openid photos', redirectUris: [redirectUri] });
  const promptNone = async () => {
    const query = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid photos', state: 'state-1', nonce: 'nonce-1', prompt: 'none',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    });
    const res = await fetch(`${gw.url}/api/v1/oauth/authorize?${query}`, { headers: { cookie }, redirect: 'manual' });
    return new URL(res.headers.get('location') ?? 'http://invalid/').searchParams.get('error');
  };
  clock.advance(59 * minute);
  t.equal(await promptNone(), 'consent_required', 'known to the OIDC side (consent, not login, required): a use');
  clock.advance(59 * minute);
  t.ok(await isSignedIn(), 'that use kept /account signed in');
  clock.advance(61 * minute);
  t.equal(await promptNone(), 'login_required', 'idle for longer: over on the OIDC side too');
  t.notOk(await isSignedIn());
});

t.test('another browser idle past the time-out is not listed as signed in, though its record waits for the purge', async (t) => {
  const { clock, gw, cookie, sessions } = await setUp(t);
  const form = await getFormPage(`${gw.url}/account`);
  await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: 'correct horse' });
  const browsersListed = async () => ((await getFormPage(`${gw.url}/account`, cookie)).html.match(/<strong>Browser sign-in<\/strong>/g) ?? []).length;
  t.equal(await browsersListed(), 2, 'both browsers listed');
  clock.advance(50 * minute);
  t.equal(await browsersListed(), 2);
  clock.advance(50 * minute);
  t.equal(await browsersListed(), 1, 'the other one, idle 100 minutes, is over');
  t.equal((await sessions()).length, 2, 'its record is still stored');
});

t.test('never used after sign-in: over once idle from the sign-in', async (t) => {
  const { clock, isSignedIn } = await setUp(t);
  clock.advance(hour + 1000);
  t.notOk(await isSignedIn());
});

t.test('used all the time, the absolute lifetime still ends it', async (t) => {
  const { clock, isSignedIn } = await setUp(t);
  for (let i = 0; i < 7; i++) {
    clock.advance(30 * minute);
    t.ok(await isSignedIn(), `${(i + 1) * 30} minutes after sign-in`);
  }
  clock.advance(31 * minute);
  t.notOk(await isSignedIn(), 'past sessionTtlSeconds (4 hours): over');
});

t.test('the last use is written, so the time-out holds across a restart', async (t) => {
  const first = await setUp(t);
  first.clock.advance(50 * minute);
  t.ok(await first.isSignedIn(), 'used 50 minutes after sign-in');
  await first.gw.close();
  await first.gw.store.close();
  const again = await startTestGateway(t, { upstream: first.upstream.url, clock: first.clock, config: first.config, dir: dirname(first.gw.storePath) });
  const isSignedIn = async () => /Signed in as <strong>alice<\/strong>/.test((await getFormPage(`${again.url}/account`, first.cookie)).html);
  first.clock.advance(50 * minute);
  t.ok(await isSignedIn(), '100 minutes after sign-in, 50 after the last use written before the restart: still signed in');
});
