/**
 * `photogate start` refuses to run on bad input with exit 1 and a clear reason, and touches
 * nothing: a corrupt store stays as it was, a busy port prints no admin password.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/run-cli.js';

t.test('a corrupt store stops the start and is left untouched', async (t) => {
  const dir = t.testdir();
  for (const content of ['null', '[]', '{"version":1,"users":[', '\ufeff{}']) {
    const store = join(dir, 'store.json');
    await writeFile(store, content);
    const result = await runCli(['start', '--listen', '127.0.0.1:0', '--store', store]);
    t.equal(result.code, 1, `${JSON.stringify(content)}: exit 1`);
    t.match(result.stderr, store, 'the message names the file');
    t.notMatch(result.stderr, /\n\s+at /, 'no stack');
    t.equal(await readFile(store, 'utf8'), content, 'the file is not touched');
  }
});

t.test('a busy port stops the start before any admin password is made', async (t) => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const store = join(t.testdir(), 'store.json');
  const result = await runCli(['start', '--listen', `127.0.0.1:${port}`, '--store', store]);
  t.equal(result.code, 1);
  t.match(result.stderr, /EADDRINUSE/);
  t.notMatch(result.stdout, /password/, 'no password printed by a start that failed');
});

t.test('bad configuration: every problem, exit 1', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'listen: nowhere\nupstream:\n  url: ftp://x\nbogus: 1\n' });
  const result = await runCli(['start', '--config', join(dir, 'bad.yaml')]);
  t.equal(result.code, 1);
  for (const key of ['listen:', 'upstream.url:', 'bogus: unknown key']) t.match(result.stderr, key);
  const flag = await runCli(['start', '--no-such-flag']);
  t.equal(flag.code, 2, 'an unknown flag is a usage error');
  const help = await runCli(['start', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--listen HOST:PORT/);
});
