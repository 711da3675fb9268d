/**
 * Prompts need a terminal: util-linux `script` runs the CLI on a pseudo-terminal. Answers are
 * typed only once the prompt is on screen, so readline has switched echo off by then.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cliEnv, cliPath, runCliJson } from '../helpers/run-cli.js';

// `script` is in bsdutils, an Essential Debian package: missing means a broken machine, so fail.
const hasScript = spawnSync('script', ['--version']).status === 0;
const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

function runOnTerminal(args: readonly string[], answers: readonly string[]) {
  const command = [process.execPath, cliPath, ...args].map(quote).join(' ');
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answered = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const prompts = output.match(/password: |\[y\/N\] /gi)?.length ?? 0;
      while (answered < prompts && answered < answers.length) child.stdin.write(`${answers[answered++]}\r`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? null : code, output });
    });
  });
}

t.test('prompts on a terminal', async (t) => {
  t.ok(hasScript, 'util-linux `script` is installed (apt-get install bsdutils)');
  if (!hasScript) return;
  const store = join(t.testdir(), 'store.json');
  const s = ['--store', store];

  const added = await runOnTerminal(['users', 'add', 'bob', ...s], ['tty password', 'tty password']);
  t.equal(added.code, 0, 'users add asks twice', added);
  t.match(added.output, /Password: [\s\S]*Repeat password: /);
  t.notOk(added.output.includes('tty password'), 'input hidden');
  t.notOk((await readFile(store, 'utf8')).includes('tty password'));
  t.equal((await runCliJson(['users', 'show', 'bob', ...s])).code, 0, 'created');

  const mismatch = await runOnTerminal(['users', 'add', 'eve', ...s], ['password one', 'password two']);
  t.equal(mismatch.code, 2);
  t.match(mismatch.output, /passwords do not match/);

  const short = await runOnTerminal(['users', 'passwd', 'bob', ...s], ['short']);
  t.equal(short.code, 2, 'length checked before asking again');

  const passwd = await runOnTerminal(['users', 'passwd', 'bob', ...s], ['other password', 'other password']);
  t.equal(passwd.code, 0, 'users passwd asks twice');

  const declined = await runOnTerminal(['users', 'rm', 'bob', ...s], ['n']);
  t.equal(declined.code, 1, 'declined');
  t.match(declined.output, /\[y\/N\][\s\S]*cancelled/);
  t.equal((await runCliJson(['users', 'show', 'bob', ...s])).code, 0, 'still there');

  await runCliJson(['auth', 'add', ...s]);
  const reset = await runOnTerminal(['auth', 'reset', ...s], ['y']);
  t.equal(reset.code, 0, 'reset after yes');
  t.match(reset.output, /Revoke all 1 app passwords and access tokens\? \[y\/N\]/);
  t.same((await runCliJson(['auth', 'ls', ...s])).json, []);

  const yes = await runOnTerminal(['users', 'rm', 'bob', '--yes', ...s], []);
  t.equal(yes.code, 0, '--yes: no question');
  t.notMatch(yes.output, /\[y\/N\]/);
  t.equal((await runCliJson(['users', 'show', 'bob', ...s])).code, 1, 'gone');
});
