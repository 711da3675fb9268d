/**
 * The `curl` examples of README.md, run by bash exactly as written there, against a
 * `photogate start` process with real credentials in `$GW`, `$TOKEN`, `$APP_PASSWORD`,
 * `$CLIENT_ID` and `$CLIENT_SECRET`, so the README cannot drift from what works. The upstream is
 * Apache (mod_dav on /originals, a static JSON file for /api/v1/photos). The examples use
 * `curl -fsS`, so a 4xx or 5xx makes curl exit non-zero; each answer must also have the shape
 * its endpoint promises.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startApacheWebdav } from './helpers/apache-webdav.js';
import { startInteropGateway } from './helpers/interop-gateway.js';
import { requireTool, tools } from './helpers/require-tool.js';

t.setTimeout(120_000);

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));

/** Every command line of the README's ```sh blocks that runs curl (continuation lines joined). */
async function readmeCurlLines(): Promise<string[]> {
  const readme = await readFile(readmePath, 'utf8');
  const lines: string[] = [];
  for (const block of readme.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)) {
    const commands = (block[1] as string).replaceAll('\\\n', ' ').split('\n');
    lines.push(...commands.map((line) => line.trim()).filter((line) => /^curl\s/.test(line)));
  }
  return lines;
}

/** What each endpoint the examples call must answer, besides a 2xx. */
const shapes: { path: RegExp; what: string; check: (body: string) => boolean }[] = [
  {
    path: /\/api\/v1\/oauth\/token\b/,
    what: 'an RFC 6749 §5.1 token response',
    check: (body) => {
      const json = JSON.parse(body) as Record<string, unknown>;
      return typeof json.access_token === 'string' && json.token_type === 'Bearer' && typeof json.expires_in === 'number';
    },
  },
  { path: /\/originals\//, what: 'a WebDAV multistatus listing', check: (body) => /<D:multistatus\b/.test(body) && body.includes('/originals/holiday.jpg') },
  { path: /\/api\/v1\/photos\b/, what: "the upstream's photo list", check: (body) => Array.isArray(JSON.parse(body)) },
];

function bash(line: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', line], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

t.test("the README's curl examples work as written", async (t) => {
  t.comment(await requireTool(tools.curl));
  t.comment(await requireTool(tools.bash));
  t.comment(await requireTool(tools.apache2));
  const lines = await readmeCurlLines();
  for (const [kind, pattern] of [
    ['X-Auth-Token', /X-Auth-Token: \$TOKEN/],
    ['Bearer', /Authorization: Bearer \$TOKEN/],
    ['Basic with an app password', /-u "alice:\$APP_PASSWORD"/],
    ['a client_credentials token request', /grant_type=client_credentials/],
  ] as const) {
    t.ok(lines.some((line) => pattern.test(line)), `the README shows ${kind} with curl`);
  }

  const dir = t.testdir({ apache: {}, gateway: {} });
  const root = join(dir, 'apache', 'dav');
  await mkdir(join(root, 'api', 'v1'), { recursive: true });
  await mkdir(join(root, 'originals'), { recursive: true });
  await writeFile(join(root, 'api', 'v1', 'photos'), JSON.stringify([{ UID: 'pt1', Title: 'Holiday' }]));
  await writeFile(join(root, 'originals', 'holiday.jpg'), 'not really a JPEG\n');
  const apache = await startApacheWebdav(t, join(dir, 'apache'), root);
  const gw = await startInteropGateway(t, { upstream: apache.origin, dir: join(dir, 'gateway'), routes: 'builtin' });
  await gw.addUser('alice', 'alice-password', { webdav: true });
  const client = await gw.addClient('readme', 'metrics');
  const env = {
    GW: gw.url,
    TOKEN: (await gw.cli<{ token: string }>(['auth', 'add', '-n', 'readme', '-s', 'photos'])).token,
    APP_PASSWORD: await gw.addAppPassword('alice', 'webdav'),
    CLIENT_ID: client.clientId,
    CLIENT_SECRET: client.clientSecret,
  };

  for (const line of lines) {
    const result = await bash(line, env);
    t.equal(result.code, 0, `\`${line}\` succeeds`, { stderr: result.stderr, stdout: result.stdout.slice(0, 2000) });
    const shape = shapes.find((s) => s.path.test(line));
    if (shape === undefined) {
      t.fail(`\`${line}\` calls an endpoint this test has no expected answer for; add one to \`shapes\``);
      continue;
    }
    let ok = false;
    try {
      ok = shape.check(result.stdout);
    } catch {
      ok = false;
    }
    t.ok(ok, `\`${line}\` answers ${shape.what}`, { stdout: result.stdout.slice(0, 2000) });
  }
});
