/**
 * Reload without restart (issue 16 point 1), with real processes: a `photogate start` child in
 * front of the echo upstream, clients keeping it busy, and SIGHUPs swapping between two
 * configurations. Every request succeeds, and each is decided entirely by one configuration: the
 * upstream header and the identity header names the echo saw always belong to the same one.
 * Cached credentials survive (argon2 does not run again), and so does the failure limiter; an
 * invalid file is refused with its key paths and the old configuration keeps serving.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { runCliJson } from '../helpers/run-cli.js';
import { within } from '../helpers/within.js';

const adminPassword = 'reload-test-password';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function configText(name: 'a' | 'b', extra = ''): string {
  return `upstream:
  headers:
    X-Config: ${name}
identityHeaders:
  user: X-User-${name.toUpperCase()}
  client: X-Client-${name.toUpperCase()}
rateLimits:
  addressFailureBurst: 3
routes:
  rules:
    - path: /only-${name}
      scope: public
    - path: /__slow
      scope: public
log:
  requests: false
${extra}`;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

t.test('20 reloads under load: no failed request, each decided by one configuration', async (t) => {
  const upstream = await startEchoUpstream(t);
  const dir = t.testdir();
  const file = join(dir, 'photogate.yaml');
  const store = join(dir, 'store.json');
  writeFileSync(file, configText('a'));
  const issued = await runCliJson<{ token: string }>(['auth', 'add', '-n', 'scraper', '-s', 'metrics photos', '--config', file, '--store', store]);
  t.equal(issued.code, 0, issued.stderr);
  const token = issued.json!.token;
  const gateway = await startGatewayProcess(t, ['--config', file, '--store', store, '--upstream', upstream.url], {
    PHOTOGATE_ADMIN_PASSWORD: adminPassword,
  });
  const get = (path: string, authorization?: string) => fetch(`${gateway.url}${path}`, { headers: authorization ? { authorization } : {} });
  const metric = async (name: string) => {
    const text = await (await get('/metrics', `Bearer ${token}`)).text();
    return Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  };

  // The admin's password is verified once (argon2), then cached; the address then spends its
  // failure budget on a wrong password.
  t.equal((await get('/api/v1/photos/warm', basic('admin', adminPassword))).status, 200);
  for (let i = 0; i < 3; i++) t.equal((await get('/api/v1/photos/x', basic('admin', `wrong-${i}`))).status, 401);
  t.equal((await get('/api/v1/photos/x', basic('admin', 'wrong-again'))).status, 429, 'budget spent before the reloads');
  const verificationsBefore = await metric('photogate_password_verifications_total');

  let stop = false;
  const failures: string[] = [];
  const seen = { a: 0, b: 0 };
  const deadline = Date.now() + 90_000;
  const worker = async (kind: number) => {
    for (let n = 0; n < 3000 && !stop && Date.now() < deadline; n++) {
      const [path, authorization, user] =
        kind === 0 ? ['/api/v1/photos/t', `Bearer ${token}`, undefined] :
        kind === 1 ? ['/api/v1/photos/b', basic('admin', adminPassword), 'admin'] :
        kind === 2 ? ['/__slow/150', undefined, undefined] : ['/static/x', undefined, undefined];
      try {
        // Slow requests are in flight while the gateway is swapped under them.
        const response = await get(path, authorization);
        const body = (await response.json()) as { headers: Record<string, string> };
        if (response.status !== 200) {
          failures.push(`${path}: ${response.status}`);
          continue;
        }
        const name = body.headers['x-config'] as 'a' | 'b';
        const other = name === 'a' ? 'b' : 'a';
        seen[name]++;
        if (user && body.headers[`x-user-${name}`] !== user) failures.push(`${path}: config ${name} without its user header`);
        if (body.headers[`x-user-${other}`] !== undefined || body.headers[`x-client-${other}`] !== undefined) {
          failures.push(`${path}: config ${name} with the other configuration's identity header`);
        }
      } catch (error) {
        failures.push(`${path}: ${String(error)}`);
      }
    }
  };
  const load = Promise.all([0, 0, 1, 1, 2, 2, 3].map(worker));

  for (let i = 1; i <= 20; i++) {
    writeFileSync(file, configText(i % 2 === 1 ? 'b' : 'a'));
    gateway.child.kill('SIGHUP');
    await within(5000, () => count(gateway.stderr(), '"msg":"configuration reloaded"') >= i, 20);
  }
  stop = true;
  await load;
  t.same(failures, [], 'no request failed or mixed two configurations');
  t.ok(seen.a > 50 && seen.b > 50, `both configurations served requests (a ${seen.a}, b ${seen.b})`);
  t.equal(await metric('photogate_config_reloads_total{outcome="success"}'), 20, 'reloads counted');
  t.equal(await metric('photogate_password_verifications_total'), verificationsBefore, 'no argon2 run again: the cache survived');
  t.equal((await get('/api/v1/photos/x', basic('admin', 'wrong-after'))).status, 429, 'the failure budget survived the reloads');
  t.equal((await get('/only-a/x')).status, 200, 'the last configuration (a) is in force: its rule');
  t.equal((await get('/only-b/x')).status, 403, 'and not the previous one');

  // An invalid file: refused with every problem and its key path; the old one keeps serving.
  writeFileSync(file, 'bogus: 1\nroutes:\n  rules:\n    - path: relative\n      scope: photos\n');
  gateway.child.kill('SIGHUP');
  await within(5000, () => gateway.stderr().includes('configuration reload refused'), 20);
  const refusal = gateway.stderr().split('\n').find((line) => line.includes('configuration reload refused')) ?? '';
  t.match(refusal, 'bogus: unknown key');
  t.match(refusal, 'routes.rules.0.path');
  t.equal((await get('/only-a/x')).status, 200, 'the running configuration keeps serving');
  t.equal(await metric('photogate_config_reloads_total{outcome="failure"}'), 1);
  t.equal(await metric('photogate_config_last_reload_successful'), 0);

  // A key that needs a restart is named, and keeps its value.
  writeFileSync(file, configText('a', 'cache:\n  maxEntries: 5\n'));
  gateway.child.kill('SIGHUP');
  await within(5000, () => gateway.stderr().includes('need a restart'), 20);
  t.match(gateway.stderr(), /"keys":\["cache\.maxEntries"\]/);
  t.equal(await metric('photogate_config_last_reload_successful'), 1);
  t.equal(gateway.child.exitCode, null, 'still running');
  t.notOk(readFileSync(file, 'utf8').includes('bogus'));
});

t.test('watchConfig: a change of the file reloads it', async (t) => {
  const upstream = await startEchoUpstream(t);
  const dir = t.testdir();
  const file = join(dir, 'photogate.yaml');
  writeFileSync(file, `${configText('a')}watchConfig: true\n`);
  const gateway = await startGatewayProcess(t, ['--config', file, '--store', join(dir, 'store.json'), '--upstream', upstream.url], {
    PHOTOGATE_ADMIN_PASSWORD: adminPassword,
  });
  t.equal((await fetch(`${gateway.url}/only-b/x`)).status, 403);
  writeFileSync(file, `${configText('b')}watchConfig: true\n`);
  await within(5000, async () => (await fetch(`${gateway.url}/only-b/x`)).status === 200, 100);
  t.equal((await fetch(`${gateway.url}/only-a/x`)).status, 403);
});
