#!/usr/bin/env node
/**
 * The `photogate` executable. It checks the Node version before anything else is loaded: on an
 * older Node, argon2's native module dies with a segmentation fault instead of an error, so this
 * file imports nothing statically (ES imports are evaluated before the module's own code) and
 * loads the commands only once the version is known to be supported. Keep it that way; a test
 * (test/unit/node-version-check.test.ts) runs it under an older version and watches for any
 * native module being opened. `requiredNode` is package.json's `engines.node`, kept equal by
 * that test.
 *
 * The server's V8 option, `--max-semi-space-size=8`, is passed by its launchers (`npm start`,
 * `npm run dev`, the Docker image; a unit test keeps them equal), not by this file's first line:
 * `env -S` is GNU and macOS only (BusyBox on Alpine and the BSDs lack it), and a CLI that does not
 * start at all there is worse than a larger heap. By default V8 lets the young generation grow to
 * two semi-spaces of up to 64 MiB each under a steady request load; the gateway's garbage is
 * short-lived request state, so a small young generation costs little (about 2% more CPU a
 * proxied request, within this machine's noise: 85 vs 87 and 73 vs 75 µs) and keeps the resident
 * size down (100,000 tokens: peak 273-280 MB with the default, 175-181 MB with this; the first
 * writes after loading such a store blocked 19-30 ms instead of 3 ms). Issue 6, `npm run bench`.
 */
const requiredNode = '22.19.0';

/** Whether version `found` (`22.19.0`, no `v`) is at least `required`, compared numerically. */
function isNodeSupported(found: string, required: string): boolean {
  const have = found.split('.').map(Number);
  const need = required.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

if (!isNodeSupported(process.versions.node, requiredNode)) {
  process.stderr.write(`photogate: Node.js ${process.versions.node} is too old; photogate needs Node.js ${requiredNode} or newer\n`);
  process.exit(1);
}

const { runCli } = await import('./cli/cli.js');

// `photogate auth ls | head` closes the pipe early; that is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
