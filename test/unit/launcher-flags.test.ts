/**
 * photogate is started three ways: the executable (`npx photogate`, a global install; its first
 * line), `npm start`, and the Docker image's entrypoint. Each passes Node the same V8 options
 * (why: src/main.ts), so the memory `npm run bench` measures is the memory users get.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Node options between `node` and the script in a command line. */
function nodeOptions(words: readonly string[]): string[] {
  const node = words.findIndex((w) => w === 'node');
  const script = words.findIndex((w) => w.endsWith('main.js'));
  if (node < 0 || script < node) throw new Error(`no "node … main.js" in ${words.join(' ')}`);
  return words.slice(node + 1, script);
}

const shebang = read('src/main.ts').split('\n')[0]!;
const fromShebang = shebang.replace(/^#!\/usr\/bin\/env -S node ?/, '').split(' ').filter(Boolean);
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'))?.[1] ?? '[]') as string[];

t.match(shebang, /^#!\/usr\/bin\/env -S node /, 'the executable names its options through env -S');
t.same(fromShebang, ['--max-semi-space-size=8'], 'the executable caps the young generation');
t.same(nodeOptions(pkg.scripts.start!.split(' ')), fromShebang, 'npm start passes the same options');
t.same(nodeOptions(pkg.scripts.dev!.split(' ')), fromShebang, 'npm run dev too');
t.same(nodeOptions(entrypoint), fromShebang, 'the Docker entrypoint too');

t.test('the built executable keeps its first line', async (t) => {
  t.equal(read('dist/src/main.js').split('\n')[0], shebang);
});
