/**
 * Three `photogate start` processes on one PostgreSQL (issue 17 point 6): one is killed with
 * SIGKILL while tokens are being issued, PostgreSQL is restarted once, and then every token that
 * was acknowledged works on every replica, every revoked one fails on every replica at once,
 * and while PostgreSQL is down requests get 503 temporarily_unavailable (never 401) and /readyz
 * fails, until it is back. The brute-force limits are shared: failures spread over the replicas
 * count once.
 */
import { join } from 'node:path';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { runCliJson } from '../helpers/run-cli.js';
import { within } from '../helpers/within.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const server = await startPostgres(t);

t.test('three replicas: SIGKILL during issuance, a PostgreSQL restart, nothing acknowledged lost, revocation everywhere', async (t) => {
  const url = await server.createDatabase();
  const env = { PHOTOGATE_STORE_URL: url, PHOTOGATE_ADMIN_PASSWORD: 'admin-password', PHOTOGATE_TWO_FACTOR_KEY_FILE: join(t.testdir(), 'two-factor.key'), PHOTOGATE_OIDC_KEY_SECRET_FILE: join(t.testdir(), 'oidc-key-secret') };
  const upstream = await startEchoUpstream(t);
  const start = () => startGatewayProcess(t, ['--upstream', upstream.url], env);
  // Started together: the schema is migrated once, under the advisory lock.
  const replicas: GatewayProcess[] = await Promise.all([start(), start(), start()]);
  const added = await runCliJson(['clients', 'add', '-n', 'sync', '-s', 'metrics', '-t', '-1'], { env });
  t.equal(added.code, 0, added.stderr);
  const client = added.json as { client_id: string; client_secret: string };
  const clientAuth = basic(client.client_id, client.client_secret);
  const form = { authorization: clientAuth, 'content-type': 'application/x-www-form-urlencoded' };

  const issue = async (gw: GatewayProcess): Promise<string | undefined> => {
    const res = await fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', headers: form, body: 'grant_type=client_credentials' });
    return res.status === 200 ? ((await res.json()) as { access_token: string }).access_token : undefined;
  };
  const use = async (gw: GatewayProcess, token: string) =>
    (await fetch(`${gw.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${token}` } })).status;

  const acknowledged: string[] = [];
  let failed = 0;
  const issuing = Promise.all(
    replicas.map(async (gw) => {
      for (let i = 0; i < 25; i++) {
        const token = await issue(gw).catch(() => undefined);
        if (token === undefined) failed++;
        else acknowledged.push(token);
      }
    }),
  );
  await within(10_000, () => acknowledged.length >= 20);
  const victim = replicas[2] as GatewayProcess;
  victim.child.kill('SIGKILL');
  await issuing;
  t.ok(failed > 0, `the killed replica left ${failed} issuances unanswered`);
  t.comment(`${acknowledged.length} tokens acknowledged`);

  const [a, b] = replicas as [GatewayProcess, GatewayProcess];
  const cached = acknowledged[0] as string;
  t.equal(await use(a, cached), 200);

  await server.stop();
  const downMs = await within(3000, async () => (await use(a, cached)) === 503, 50);
  t.pass(`PostgreSQL down: a cached token gets 503 after ${Math.round(downMs)} ms (the cache stops answering)`);
  const down = await fetch(`${b.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${acknowledged[1]}` } });
  t.equal(down.status, 503);
  t.match(await down.json(), { error: 'temporarily_unavailable' });
  t.equal((await fetch(`${a.url}/readyz`)).status, 503, '/readyz fails');
  t.equal((await fetch(`${a.url}/api/v1/status`)).status, 200, 'a public route needs no store and keeps working');
  const denied = await fetch(`${a.url}/api/v1/oauth/token`, { method: 'POST', headers: form, body: 'grant_type=client_credentials' });
  t.equal(denied.status, 503, 'no token issued, and no 401 either');

  await server.start();
  const backMs = await within(10_000, async () => (await fetch(`${a.url}/readyz`)).status === 200 && (await fetch(`${b.url}/readyz`)).status === 200, 100);
  t.pass(`ready again ${Math.round(backMs)} ms after PostgreSQL was back`);
  replicas[2] = await start();

  for (const [i, gw] of replicas.entries()) {
    const statuses = await Promise.all(acknowledged.map((token) => use(gw, token)));
    t.same(statuses.filter((s) => s !== 200), [], `every acknowledged token works on replica ${i}`);
  }

  // Every token is now cached on every replica; revoke a third of them through replica a.
  const revoked = acknowledged.filter((_, i) => i % 3 === 0);
  for (const token of revoked) {
    const res = await fetch(`${a.url}/api/v1/oauth/revoke`, { method: 'POST', headers: form, body: `token=${token}` });
    t.equal(res.status, 200);
  }
  const revokedMs = await within(1000, async () => {
    for (const gw of replicas) {
      const statuses = await Promise.all(revoked.map((token) => use(gw, token)));
      if (statuses.some((s) => s !== 401)) return false;
    }
    return true;
  });
  t.pass(`every revoked token fails on every replica (${Math.round(revokedMs)} ms after the last revocation)`);
  const kept = acknowledged.filter((_, i) => i % 3 !== 0);
  for (const gw of replicas) {
    const statuses = await Promise.all(kept.map((token) => use(gw, token)));
    t.same(statuses.filter((s) => s !== 200), [], 'the others still work');
  }

  // The CLI disables the client: its tokens, cached on every replica, stop working everywhere.
  const disabled = await runCliJson(['clients', 'mod', client.client_id, '--disable'], { env });
  t.equal(disabled.code, 0, disabled.stderr);
  const disabledMs = await within(1000, async () => {
    for (const gw of replicas) if ((await use(gw, kept[0] as string)) !== 401) return false;
    return true;
  }, 5);
  t.pass(`a client disabled by the CLI is refused on every replica ${Math.round(disabledMs)} ms after the command returned`);

  // Shared limits: 10 failures from one address (its burst), spread over three replicas, of
  // which none saw more than 4; then every replica refuses that address.
  const attempt = async (gw: GatewayProcess) =>
    (await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('admin', 'wrong-password') } })).status;
  const spread = await Promise.all(replicas.map(async (gw, i) => {
    const statuses = [];
    for (let k = 0; k < (i === 0 ? 4 : 3); k++) statuses.push(await attempt(gw));
    return statuses;
  }));
  t.same(spread.flat().filter((s) => s !== 401), [], 'ten failures, each a 401');
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [i, gw] of replicas.entries()) t.equal(await attempt(gw), 429, `replica ${i} counts the others' failures`);
});
