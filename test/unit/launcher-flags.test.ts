/**
 * The server is started by `npm start`, `npm run dev` or the Docker image's entrypoint; each
 * passes Node the same V8 options (why: src/main.ts), so the memory `npm run bench` measures is
 * the memory users get. The executable itself keeps a plain `#!/usr/bin/env node`: `env -S` is
 * missing from BusyBox (Alpine) and the BSDs, where a CLI with it would not start at all.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { runCli } from '../helpers/run-cli.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Node options between `node` and the script in a command line. */
function nodeOptions(words: readonly string[]): string[] {
  const node = words.indexOf('node');
  const script = words.findIndex((w) => w.endsWith('main.js'));
  if (node < 0 || script < node) throw new Error(`no "node … main.js" in ${words.join(' ')}`);
  return words.slice(node + 1, script);
}

const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'))?.[1] ?? '[]') as string[];
const fromStart = nodeOptions(pkg.scripts.start!.split(' '));

t.same(fromStart, ['--max-semi-space-size=8'], 'npm start caps the young generation');
t.same(nodeOptions(pkg.scripts.dev!.split(' ')), fromStart, 'npm run dev passes the same options');
t.same(nodeOptions(entrypoint), fromStart, 'the Docker entrypoint too');
t.equal(read('src/main.ts').split('\n')[0], '#!/usr/bin/env node', 'the executable runs wherever env and node do');
t.test('the built executable keeps that first line', async (t) => {
  t.equal(read('dist/src/main.js').split('\n')[0], '#!/usr/bin/env node');
});

t.test('photogate start --help tells those who start it another way which option to set', async (t) => {
  const help = await runCli(['start', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, `NODE_OPTIONS=${fromStart.join(' ')}`);
});
