/**
 * README's Quick start is what a new user runs, and `.ci/run` is what CI runs: they must be the
 * same commands. This reads the Quick start's `sh` block and checks that it names every test
 * command `.ci/run` runs (and `npm ci`, its install step), and that the Debian packages it tells
 * people to install for the interop suite are exactly those the suite requires
 * (test/interop/helpers/require-tool.ts) and `.ci/run` installs.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { tools } from '../interop/helpers/require-tool.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const readme = read('README.md');
const ciRun = read('.ci/run');

const quickStart = /^## Quick start\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
const block = /```sh\n([\s\S]*?)```/.exec(quickStart)?.[1] ?? '';
/** Each command of the block: comments dropped, `a && b` split. */
const commands = block
  .split('\n')
  .flatMap((line) => (line.split('#')[0] ?? '').split('&&'))
  .map((command) => command.trim().replace(/\s+/g, ' '))
  .filter(Boolean);

/** `run NAME COMMAND...` lines of .ci/run: the test commands it runs. */
const ciCommands = [...ciRun.matchAll(/^run [\w-]+ (.+)$/gm)].map((match) => match[1]!.trim());
const ciPackages = /^interop_packages=\(([^)]*)\)$/m.exec(ciRun)?.[1]?.trim().split(/\s+/) ?? [];
// bash is Essential on every Debian system; the suite lists it only to run the README's lines.
const suitePackages = Object.values(tools)
  .map((tool) => tool.debianPackage)
  .filter((name) => name !== 'bash');
const readmePackages = /apt-get install ([a-z0-9 .+-]+)/.exec(block)?.[1]?.trim().split(/\s+/) ?? [];

t.ok(block, 'README has a Quick start with an sh block');
t.ok(ciCommands.length >= 2, `.ci/run runs test commands (${ciCommands.join('; ')})`);
for (const command of ciCommands) {
  t.ok(commands.includes(command), `the Quick start names "${command}", which .ci/run runs`);
}
t.ok(ciRun.includes('npm ci'), '.ci/run installs with npm ci');
t.ok(commands.includes('npm ci'), 'and so does the Quick start');
t.ok(commands.includes('npm start'), 'the Quick start runs the gateway');
t.same([...readmePackages].sort(), [...suitePackages].sort(), 'the Quick start names the packages the interop suite requires');
t.same([...ciPackages].sort(), [...suitePackages].sort(), '.ci/run installs the packages the interop suite requires');
t.notMatch(ciRun, /apt-get install[^\n]*chromium|missing\+=\(chromium\)/, '.ci/run installs no Chromium: npm test needs none');
