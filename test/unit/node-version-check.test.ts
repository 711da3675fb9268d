/**
 * photogate on a Node older than package.json's `engines.node` says so in one line and exits 1,
 * before any native module (argon2) is loaded: on Node 20 argon2's module dies with a
 * segmentation fault instead. The built entry point runs under a preload that makes Node report
 * another version and records every native module Node opens (process.dlopen); the supported
 * case shows the recorder works (argon2 is opened there), the old cases that nothing is.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { cliPath } from '../helpers/run-cli.js';

const engines = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node;
const required = /^>=(\d+\.\d+(?:\.\d+)?)$/.exec(engines)?.[1];

/** Pretends to be Node `version` and prints `dlopen <file>` on stderr for each native module. */
function preload(version: string): string {
  const source = [
    `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} });`,
    `Object.defineProperty(process, 'version', { value: ${JSON.stringify(`v${version}`)} });`,
    'const dlopen = process.dlopen;',
    "process.dlopen = function (module, file, ...rest) { process.stderr.write('dlopen ' + file + '\\n'); return dlopen.call(this, module, file, ...rest); };",
  ].join('\n');
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

function run(version: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', preload(version), cliPath, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

t.ok(required, `package.json engines.node is ">=X.Y[.Z]" (it is "${engines}")`);

t.test('a supported Node runs the command, and the recorder sees argon2 load', async (t) => {
  const result = await run(process.versions.node, ['users', '--help']);
  t.equal(result.code, 0);
  t.match(result.stdout, /users/);
  t.match(result.stderr, /dlopen .*argon2/, 'the preload records native modules');
});

const old = [
  { name: 'Node 20, this machine', version: '20.20.2', args: ['--help'] },
  { name: 'Node 18, starting the server', version: '18.19.1', args: ['start', '--listen', '127.0.0.1:0'] },
  { name: 'one minor below the minimum', version: `${required?.split('.')[0]}.${Number(required?.split('.')[1]) - 1}.99`, args: ['users', 'ls'] },
];
for (const { name, version, args } of old) {
  t.test(name, async (t) => {
    const result = await run(version, args);
    t.equal(result.code, 1, 'exit status 1');
    t.equal(result.stdout, '', 'nothing on stdout');
    const lines = result.stderr.trimEnd().split('\n');
    t.equal(lines.length, 1, 'one line');
    t.match(lines[0], `Node.js ${version} is too old`, 'names the version found');
    t.match(lines[0], `needs Node.js ${required}`, 'names the version required (engines.node)');
    t.notMatch(result.stderr, /dlopen/, 'no native module was loaded');
  });
}
