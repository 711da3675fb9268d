/**
 * The interop suite proves photogate against software none of us wrote, so a missing tool is a
 * failure, never a skip: the test stops with the Debian package to install (.ci/run installs
 * them all). Asynchronous on purpose: a gateway may already live in the test's process.
 */
import { execFile } from 'node:child_process';

export interface Tool {
  /** The command, on PATH or absolute (`/usr/sbin/apache2` is not on every PATH). */
  command: string;
  /** What prints a version and exits 0. */
  versionArgs: readonly string[];
  debianPackage: string;
}

export const tools = {
  litmus: { command: 'litmus', versionArgs: ['--version'], debianPackage: 'litmus' },
  apache2: { command: '/usr/sbin/apache2', versionArgs: ['-v'], debianPackage: 'apache2' },
  rclone: { command: 'rclone', versionArgs: ['version'], debianPackage: 'rclone' },
  prometheus: { command: 'prometheus', versionArgs: ['--version'], debianPackage: 'prometheus' },
  curl: { command: 'curl', versionArgs: ['--version'], debianPackage: 'curl' },
  bash: { command: 'bash', versionArgs: ['--version'], debianPackage: 'bash' },
  nginx: { command: '/usr/sbin/nginx', versionArgs: ['-v'], debianPackage: 'nginx' },
  caddy: { command: 'caddy', versionArgs: ['version'], debianPackage: 'caddy' },
  // An Apache module, not a program: dpkg says whether it is installed (exit 1 when not).
  modAuthOpenidc: { command: 'dpkg-query', versionArgs: ['-W', '-f=mod_auth_openidc ${Version}\n', 'libapache2-mod-auth-openidc'], debianPackage: 'libapache2-mod-auth-openidc' },
} as const satisfies Record<string, Tool>;

/** Resolves to the tool's first version line; rejects naming the package when it cannot run. */
export function requireTool(tool: Tool): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool.command, tool.versionArgs, { timeout: 10_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      // litmus prints its version and exits 0; some tools print it on stderr.
      const text = `${stdout}${stderr}`.trim();
      if (error) {
        reject(
          new Error(
            `${tool.command} is required by the interop suite and could not run (${error.message.split('\n')[0]}); ` +
              `install it: apt-get install ${tool.debianPackage}`,
          ),
        );
        return;
      }
      resolve(text.split('\n')[0] ?? tool.command);
    });
  });
}
