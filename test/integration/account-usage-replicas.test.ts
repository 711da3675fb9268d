/**
 * "Last used" with two `photogate start` processes on one PostgreSQL (issue 14): a sync run on
 * one replica is written when that process stops gracefully (SIGTERM), and the other replica's
 * /account page and `photogate auth ls` show it; the address is the client's as the stopped
 * replica saw it.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { runCliJson } from '../helpers/run-cli.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const server = await startPostgres(t);

t.test('uses on one replica, written on its graceful stop, shown by the other', async (t) => {
  const url = await server.createDatabase();
  const env = { PHOTOGATE_STORE_URL: url, PHOTOGATE_ADMIN_PASSWORD: 'admin-password', PHOTOGATE_TWO_FACTOR_KEY_FILE: join(t.testdir(), 'two-factor.key'), PHOTOGATE_OIDC_KEY_SECRET_FILE: join(t.testdir(), 'oidc-key-secret') };
  const upstream = await startEchoUpstream(t);
  const [a, b] = await Promise.all([0, 1].map(() => startGatewayProcess(t, ['--upstream', upstream.url], env)));
  if (a === undefined || b === undefined) throw new Error('two replicas');
  const added = await runCliJson<{ id: string; token: string }>(['auth', 'add', 'admin', '-n', 'phone', '-s', 'photos'], { env });
  t.equal(added.code, 0, added.stderr);
  const app = added.json as { id: string; token: string };

  for (let i = 0; i < 200; i += 20) {
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => (await fetch(`${a.url}/api/v1/photos`, { headers: { authorization: basic('admin', app.token) } })).status),
    );
    t.same(statuses, Array(20).fill(200));
  }
  const before = (await runCliJson<Record<string, unknown>[]>(['auth', 'ls', 'app_password'], { env })).json ?? [];
  t.equal(before.find((row) => row.id === app.id)?.last_used_at, null, 'not written yet (the next write is within 30 s)');

  a.child.kill('SIGTERM');
  const [code] = (await once(a.child, 'exit')) as [number | null];
  t.equal(code, 0, 'a graceful stop');
  const after = (await runCliJson<Record<string, unknown>[]>(['auth', 'ls', 'app_password'], { env })).json ?? [];
  t.match(after.find((row) => row.id === app.id), { last_used_at: Number, last_used_from: '127.0.0.1' }, 'written on the stop');

  const form = await getFormPage(`${b.url}/account`);
  const signedIn = await postForm(`${b.url}/account/sign-in`, form, { username: 'admin', password: 'admin-password' });
  t.equal(signedIn.status, 303);
  const cookie = `${form.cookie}; ${signedIn.headers.getSetCookie().find((c) => c.startsWith('photogate-account='))?.split(';')[0]}`;
  const page = (await getFormPage(`${b.url}/account`, cookie)).html;
  t.match(page, /<td data-label="Name">phone<\/td>.*?<td data-label="Last used"><time datetime="[^"]+">[0-9-]+ [0-9:]+ UTC<\/time> from 127\.0\.0\.1<\/td>/, 'the other replica shows it');
});
