/**
 * litmus, the WebDAV server test suite, twice against each upstream: directly, then through a
 * `photogate start` process with a username and an app password (Basic). Every litmus test that
 * passes directly must pass through the gateway: COPY/MOVE with a `Destination` on the
 * gateway's address, lock tokens in `If` headers, `Expect: 100-continue` uploads (HAZARDS H6),
 * properties, unicode names. Upstreams: Apache 2.4 mod_dav (passes all 104 directly) and
 * `rclone serve webdav` (passes about 72; the rest are rclone's own gaps, e.g. no dead
 * properties, no shared locks).
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startRcloneServe } from '../helpers/rclone.js';
import { startApacheWebdav } from './helpers/apache-webdav.js';
import { startInteropGateway } from './helpers/interop-gateway.js';
import { type LitmusRun, runLitmus } from './helpers/litmus.js';
import { requireTool, tools } from './helpers/require-tool.js';

t.setTimeout(300_000);

function summarize(run: LitmusRun): string {
  const counts = { pass: 0, fail: 0, skipped: 0 };
  for (const outcome of run.outcomes.values()) counts[outcome]++;
  return `${counts.pass} passed, ${counts.fail} failed, ${counts.skipped} skipped of ${run.outcomes.size}`;
}

/** litmus directly against `upstream`, then through a gateway in front of it; compares the two. */
async function directAndThroughGateway(t: Test, name: string, upstream: string, dir: string, minimumDirect: number) {
  const direct = await runLitmus(`${upstream}/`, dir);
  t.comment(`litmus directly against ${name}: ${summarize(direct)}`);
  t.equal(direct.passed.length, direct.summaryPassed, 'every pass litmus counted directly was parsed');
  t.ok(direct.passed.length >= minimumDirect, `${name} passes at least ${minimumDirect} litmus tests directly`, {
    passed: direct.passed.length,
    reasons: Object.fromEntries(direct.reasons),
  });

  const gw = await startInteropGateway(t, { upstream, dir: join(dir, 'gateway'), routes: 'webdav-root' });
  await gw.addUser('alice', 'alice-password', { webdav: true });
  const appPassword = await gw.addAppPassword('alice', 'webdav');

  const anonymous = await fetch(`${gw.url}/`, { method: 'PROPFIND', headers: { depth: '0' } });
  t.equal(anonymous.status, 401, 'without credentials the gateway refuses WebDAV');
  t.match(anonymous.headers.get('www-authenticate'), /^Basic /, 'with a Basic challenge, so litmus sends the app password');
  await anonymous.arrayBuffer();

  const through = await runLitmus(`${gw.url}/`, dir, { username: 'alice', password: appPassword });
  t.comment(`litmus through photogate in front of ${name}: ${summarize(through)}`);
  t.equal(through.passed.length, through.summaryPassed, 'every pass litmus counted through the gateway was parsed');
  t.same([...through.outcomes.keys()], [...direct.outcomes.keys()], 'litmus ran the same tests both ways');

  const lost = direct.passed.filter((test) => through.outcomes.get(test) !== 'pass');
  t.same(lost, [], `every test that passes directly against ${name} passes through the gateway`, {
    reasons: Object.fromEntries(lost.map((test) => [test, through.reasons.get(test) ?? through.outcomes.get(test)])),
  });
  t.same(
    [...through.warnings.keys()],
    [...direct.warnings.keys()],
    'the same tests warn both ways (the gateway changes no status code litmus checks)',
    { direct: Object.fromEntries(direct.warnings), through: Object.fromEntries(through.warnings) },
  );
}

t.test('Apache mod_dav: litmus directly and through photogate', async (t) => {
  t.comment(await requireTool(tools.litmus));
  t.comment(await requireTool(tools.apache2));
  const dir = t.testdir({ apache: { dav: {} }, gateway: {} });
  const apache = await startApacheWebdav(t, join(dir, 'apache'), join(dir, 'apache', 'dav'));
  await directAndThroughGateway(t, 'Apache mod_dav', apache.origin, dir, 104);
});

t.test('rclone serve webdav: litmus directly and through photogate', async (t) => {
  t.comment(await requireTool(tools.litmus));
  t.comment(await requireTool(tools.rclone));
  const dir = t.testdir({ served: {}, home: {}, gateway: {} });
  const upstream = await startRcloneServe(t, join(dir, 'served'), join(dir, 'home'), '');
  await directAndThroughGateway(t, 'rclone serve webdav', upstream, dir, 70);
});
