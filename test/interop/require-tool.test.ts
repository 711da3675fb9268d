/**
 * A missing tool fails the interop suite loudly, naming the Debian package, instead of skipping:
 * requireTool rejects for a command that does not exist and for one that exits non-zero, and
 * resolves to the version line of one that runs.
 */
import t from 'tap';
import { requireTool, tools } from './helpers/require-tool.js';

t.test('requireTool names the package to install when the tool cannot run', async (t) => {
  await t.rejects(
    requireTool({ command: 'photogate-interop-no-such-tool', versionArgs: ['--version'], debianPackage: 'no-such-package' }),
    /photogate-interop-no-such-tool is required by the interop suite.*apt-get install no-such-package/,
    'a command that is not installed',
  );
  await t.rejects(
    requireTool({ command: '/nonexistent/sbin/apache2', versionArgs: ['-v'], debianPackage: 'apache2' }),
    /apt-get install apache2/,
    'an absolute path that does not exist',
  );
  await t.rejects(requireTool({ command: 'false', versionArgs: [], debianPackage: 'coreutils' }), /apt-get install coreutils/, 'a command that fails');
  t.match(await requireTool(tools.bash), /bash/i, 'a tool that runs gives its version line');
});
