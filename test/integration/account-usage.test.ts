/**
 * "Last used" of credentials through a real gateway (issue 14, credentials/token-usage.ts): a sync
 * run of 200 requests with one app password costs no store write on the way and one when the
 * uses are written; the time and the client address (behind a trusted proxy: the forwarded one)
 * show at once on /account and as `LastActive` in PhotoPrism's sessions API, in the store and in
 * `photogate auth ls` once written, and a graceful stop writes what is left, so a restart keeps it.
 */
import t from 'tap';
import { nowSeconds, systemClock } from '../../src/clock.js';
import type { FileStoreHandle } from '../../src/store/file-store.js';
import { startFakePhotoPrism } from '../helpers/fake-photoprism.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { runCliJson } from '../helpers/run-cli.js';
import { basic, startTestGateway } from '../helpers/test-gateway.js';

const upstreamCredential = 'upstream-app-password-0123456789';
const forwardedFor = '198.51.100.7';
type Json = Record<string, unknown>;

t.test('200 requests: no write on the way, one when written; shown on the page, the sessions API and auth ls; kept over a restart', async (t) => {
  const upstream = await startFakePhotoPrism(t, upstreamCredential);
  const dir = t.testdir();
  const config = { upstream: { headers: { 'X-Auth-Token': upstreamCredential } }, trustedProxies: ['127.0.0.1'] } as never;
  const gw = await startTestGateway(t, { upstream: upstream.url, dir, config });
  await gw.addUser('alice', 'correct horse');
  const sync = await gw.addAppPassword('alice', 'photos');
  const other = await gw.addAppPassword('alice', 'photos');

  // The page's session and a PhotoPrism session, made before counting writes.
  const form = await getFormPage(`${gw.url}/account`);
  const signedIn = await postForm(`${gw.url}/account/sign-in`, form, { username: 'alice', password: 'correct horse' });
  const cookie = `${form.cookie}; ${signedIn.headers.getSetCookie()[0]?.split(';')[0]}`;
  const session = (await (await fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse' }) })).json()) as Json;
  const sessionsApi = async () => (await (await fetch(`${gw.url}/api/v1/users/alice/sessions`, { headers: { 'x-auth-token': String(session.access_token) } })).json()) as Json[];
  t.same((await sessionsApi()).map((s) => s.LastActive), [0, 0], 'never used: LastActive 0');
  t.match((await getFormPage(`${gw.url}/account`, cookie)).html, /<td data-label="Last used">never<\/td>/, 'never used: "never" on the page');

  const store = gw.store as FileStoreHandle;
  const writesBefore = store.sizes.seq;
  const started = nowSeconds(systemClock);
  for (let i = 0; i < 200; i += 20) {
    const batch = Array.from({ length: 20 }, () =>
      fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', sync.secret), 'x-forwarded-for': forwardedFor } }).then((res) => res.status),
    );
    t.same(await Promise.all(batch), Array(20).fill(200));
  }
  t.equal(store.sizes.seq, writesBefore, '200 requests: no store write');

  // Current at once in this process, before anything is written.
  const listed = await sessionsApi();
  const active = listed.find((s) => s.ID === sync.record.id)?.LastActive as number;
  t.ok(active >= started && active <= nowSeconds(systemClock), 'LastActive is the last request\'s time');
  t.equal(listed.find((s) => s.ID === other.record.id)?.LastActive, 0, 'the unused one stays 0');
  const page = (await getFormPage(`${gw.url}/account`, cookie)).html;
  t.match(page, new RegExp(`<th>Last used</th>`));
  t.match(page, new RegExp(`<time datetime="${new Date(active * 1000).toISOString()}">[0-9-]+ [0-9:]+ UTC</time> from ${forwardedFor.replaceAll('.', '\\.')}`), 'time and the forwarded address');
  t.match(page, /<strong>Browser sign-in<\/strong> <em>\(this browser\)<\/em>[\s\S]*?Last used [0-9-]+ [0-9:]+ UTC from 127\.0\.0\.1/, 'the page\'s own session: its use in the browsers list');
  t.match(page, /<strong>Photos web app<\/strong>[\s\S]*?Last used [0-9-]+ [0-9:]+ UTC from 127\.0\.0\.1/, 'the session that called the sessions API: its use');
  t.equal(store.sizes.seq, writesBefore, 'reading costs no write either');

  await gw.lasting.usage.flush();
  t.equal(store.sizes.seq, writesBefore + 1, 'one store write for all of it');
  t.match(await gw.store.findToken(sync.record.id), { lastUsedAt: active, lastUsedFrom: forwardedFor });
  const cli = (await runCliJson<Json[]>(['auth', 'ls', 'app_password', '--store', gw.storePath])).json ?? [];
  t.match(cli.find((row) => row.id === sync.record.id), { last_used_at: active, last_used_from: forwardedFor }, 'auth ls, another process, sees it');
  t.match(cli.find((row) => row.id === other.record.id), { last_used_at: null, last_used_from: null });

  // A use after the last write is written by the graceful stop.
  t.equal((await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${other.secret}` } })).status, 200);
  await gw.close();
  await gw.store.close();
  const again = await startTestGateway(t, { upstream: upstream.url, dir, config });
  t.match(await again.store.findToken(other.record.id), { lastUsedFrom: '127.0.0.1' }, 'written on stop, read after the restart');
  t.match(await again.store.findToken(sync.record.id), { lastUsedAt: active, lastUsedFrom: forwardedFor });
});
