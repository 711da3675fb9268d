/**
 * litmus, the WebDAV server test suite, twice against each upstream: directly, then through a
 * `photogate start` process with a username and an app password (Basic). Every litmus test that
 * passes directly must pass through the gateway: COPY/MOVE with a `Destination` on the
 * gateway's address, lock tokens in `If` headers, properties, unicode names. Upstreams: Apache
 * 2.4 mod_dav (passes all 104 directly) and `rclone serve webdav` (passes about 72; the rest are
 * rclone's own gaps, e.g. no dead properties, no shared locks).
 *
 * Apache's access log shows what arrived upstream: never the app password. litmus's `expect100`
 * sends no credential at all, so through the gateway it gets 401 and reaches nothing; curl
 * uploads with `Expect: 100-continue` and the app password instead (HAZARDS H6).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startRcloneServe } from './helpers/rclone.js';
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

/**
 * litmus directly against `upstream`, then through a gateway in front of it; compares the two.
 * With `upstreamLog` (what the upstream received, one line per request), also checks what the
 * litmus run through the gateway delivered upstream.
 */
async function directAndThroughGateway(
  t: Test,
  name: string,
  upstream: string,
  dir: string,
  minimumDirect: number,
  upstreamLog?: () => Promise<string[]>,
): Promise<{ gatewayUrl: string; appPassword: string }> {
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

  const logged = (await upstreamLog?.())?.length ?? 0;
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

  if (upstreamLog) {
    const received = (await upstreamLog()).slice(logged);
    t.ok(received.length > 100, `${name} logged the ${received.length} requests litmus made through the gateway`);
    t.same(received.filter((line) => !/ auth=- user=alice /.test(line)), [], 'every one without the app password, as alice');
    t.notOk(
      received.some((line) => line.startsWith('PUT /litmus/expect100 ')),
      "litmus's expect100 request, sent without a credential, never reached the upstream",
    );
  }
  return { gatewayUrl: gw.url, appPassword };
}

/** curl uploads `file` with `Expect: 100-continue`; the credential goes in a config on stdin, not the argument list. */
function curlUpload(url: string, file: string, username: string, password: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      tools.curl.command,
      ['-fsS', '-v', '-K', '-', '-H', 'Expect: 100-continue', '-T', file, url],
      { timeout: 30_000, encoding: 'utf8' },
      (error, _stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr }),
    );
    child.stdin?.end(`user = "${username}:${password}"\n`);
  });
}

t.test('Apache mod_dav: litmus directly and through photogate', async (t) => {
  t.comment(await requireTool(tools.litmus));
  t.comment(await requireTool(tools.apache2));
  const dir = t.testdir({ apache: { dav: {} }, gateway: {} });
  const apache = await startApacheWebdav(t, join(dir, 'apache'), join(dir, 'apache', 'dav'));
  const { gatewayUrl, appPassword } = await directAndThroughGateway(t, 'Apache mod_dav', apache.origin, dir, 104, apache.accessLog);

  t.comment(await requireTool(tools.curl));
  const content = randomBytes(256 * 1024);
  await writeFile(join(dir, 'upload.bin'), content);
  const logged = (await apache.accessLog()).length;
  const upload = await curlUpload(`${gatewayUrl}/expect%20upload.bin`, join(dir, 'upload.bin'), 'alice', appPassword);
  t.equal(upload.code, 0, 'curl uploads through the gateway with Expect: 100-continue', { stderr: upload.stderr });
  t.match(upload.stderr, /^< HTTP\/1\.1 100 Continue\r?$/m, 'curl was told to send the body (100 Continue)');
  // Whether the expectation travels on is the gateway's choice (RFC 9110 §10.1.1); the header
  // rewrite must happen either way (HAZARDS H6).
  const received = (await apache.accessLog()).slice(logged);
  t.match(received, [/^PUT \/expect upload\.bin auth=- user=alice expect=/], 'Apache got one PUT, as alice, without the app password');
  t.equal(received.length, 1, 'and nothing else');
  t.ok(content.equals(await readFile(join(dir, 'apache', 'dav', 'expect upload.bin'))), 'and every byte of the body');
});

t.test('rclone serve webdav: litmus directly and through photogate', async (t) => {
  t.comment(await requireTool(tools.litmus));
  t.comment(await requireTool(tools.rclone));
  const dir = t.testdir({ served: {}, home: {}, gateway: {} });
  const upstream = await startRcloneServe(t, join(dir, 'served'), join(dir, 'home'), '');
  await directAndThroughGateway(t, 'rclone serve webdav', upstream, dir, 70);
});
