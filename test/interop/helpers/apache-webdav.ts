/**
 * Apache 2.4 with mod_dav as a WebDAV upstream: `/usr/sbin/apache2 -DFOREGROUND` with a config
 * file written into the test's temp dir, on loopback and a free port, serving `root` with WebDAV
 * on and no authentication (photogate is the only door). Locks live in mod_dav_fs's lock
 * database in the same temp dir, so nothing of Debian's own Apache setup (/etc/apache2, port 80,
 * /var/lock) is used or needed.
 *
 * No `User` directive: run as root (CI), Apache keeps its children as root with an alert in the
 * error log, since the lock database and served dir belong to root; run as anyone else, it stays
 * that user.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { answers, onFreePort, startDaemon } from '../../helpers/daemon.js';
import { tools } from './require-tool.js';

export interface ApacheWebdav {
  /** http://127.0.0.1:PORT */
  origin: string;
  output(): string;
  /**
   * Apache's access log so far, one line per request: `METHOD PATH auth=... user=...
   * expect=...` (`-` for an absent header), so a test sees what reached the upstream.
   */
  accessLog(): Promise<string[]>;
}

function apacheConfig(dir: string, root: string, port: number): string {
  return `# Written by test/interop/helpers/apache-webdav.ts
ServerRoot /usr/lib/apache2
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
Mutex file:${dir} default
ErrorLog ${dir}/error.log
LogLevel warn
LogFormat "%m %U auth=%{Authorization}i user=%{X-Forwarded-User}i expect=%{Expect}i" upstream
CustomLog ${dir}/access.log upstream
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule mime_module modules/mod_mime.so
LoadModule dav_module modules/mod_dav.so
LoadModule dav_fs_module modules/mod_dav_fs.so
TypesConfig /etc/mime.types
DAVLockDB ${dir}/lock/DAVLock
DocumentRoot "${root}"
<Directory "${root}">
  Dav On
  AllowOverride None
  Options None
  Require all granted
</Directory>
`;
}

export async function startApacheWebdav(t: Test, dir: string, root: string): Promise<ApacheWebdav> {
  await mkdir(join(dir, 'lock'), { recursive: true });
  await mkdir(root, { recursive: true });
  return onFreePort(async (port) => {
    const configFile = join(dir, 'httpd.conf');
    await writeFile(configFile, apacheConfig(dir, root, port));
    const origin = `http://127.0.0.1:${port}`;
    const daemon = await startDaemon(t, {
      name: 'apache2',
      command: tools.apache2.command,
      args: ['-f', configFile, '-DFOREGROUND'],
      cwd: dir,
      // Apache reports a taken port on stderr before exiting ("could not bind to address"); its
      // pid file names the child once it listens, so an answer then is ours.
      isReady: async (child) =>
        (await readFile(join(dir, 'httpd.pid'), 'utf8').catch(() => '')).trim() === String(child.pid) &&
        (await answers(`${origin}/`, { method: 'OPTIONS' })),
    });
    const accessLog = async () => (await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return { origin, output: daemon.output, accessLog };
  });
}
