/**
 * nginx and Caddy in front of an upstream, configured with the forward-auth blocks README.md
 * shows, as written: only the addresses change (photogate's `127.0.0.1:8080`, the app's
 * `127.0.0.1:3000`, nginx's `listen 80`, Caddy's site address). Each runs in the test's temp dir
 * on loopback and a free port, touching nothing of Debian's own setup (/etc/nginx, /var/log,
 * Caddy's admin port and certificates).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { answers, onFreePort, startDaemon } from '../../helpers/daemon.js';
import { tools } from './require-tool.js';

const readmePath = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** The one fenced block of this language in README.md's forward-auth section. */
export async function readmeBlock(language: 'nginx' | 'caddyfile'): Promise<string> {
  const readme = await readFile(readmePath, 'utf8');
  const section = /^## Forward-auth[\s\S]*?(?=^## )/m.exec(readme)?.[0] ?? '';
  const blocks = [...section.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1] as string);
  if (blocks.length !== 1) throw new Error(`README.md's forward-auth section should show one ${language} block, found ${blocks.length}`);
  return blocks[0] as string;
}

export interface Addresses {
  /** host:port of photogate and of the app. */
  photogate: string;
  app: string;
}

function withAddresses(block: string, addresses: Addresses): string {
  for (const placeholder of ['127.0.0.1:8080', '127.0.0.1:3000']) {
    if (!block.includes(placeholder)) throw new Error(`the README block no longer names ${placeholder}; update this helper`);
  }
  return block.replaceAll('127.0.0.1:8080', addresses.photogate).replaceAll('127.0.0.1:3000', addresses.app);
}

export interface Proxy {
  /** http://127.0.0.1:PORT */
  origin: string;
  output(): string;
}

export async function startNginx(t: Test, dir: string, block: string, addresses: Addresses): Promise<Proxy> {
  return onFreePort(async (port) => {
    if (!/^\s*listen 80;$/m.test(block)) throw new Error('the README nginx block no longer says `listen 80;`; update this helper');
    const server = withAddresses(block, addresses).replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`);
    const config = `# Written by test/interop/helpers/forward-auth-proxies.ts around README.md's block
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${server}
}
`;
    const configFile = join(dir, 'nginx.conf');
    await writeFile(configFile, config);
    const origin = `http://127.0.0.1:${port}`;
    const daemon = await startDaemon(t, {
      name: 'nginx',
      command: tools.nginx.command,
      args: ['-p', dir, '-e', join(dir, 'error.log'), '-c', configFile],
      cwd: dir,
      isReady: async (child) =>
        (await readFile(join(dir, 'nginx.pid'), 'utf8').catch(() => '')).trim() === String(child.pid) && (await answers(`${origin}/`)),
    });
    const output = () => `${daemon.output()}`;
    return { origin, output };
  });
}

export async function startCaddy(t: Test, dir: string, block: string, addresses: Addresses): Promise<Proxy> {
  return onFreePort(async (port) => {
    const site = /^(\S+) \{$/m.exec(block)?.[1];
    if (site === undefined) throw new Error('the README Caddy block no longer starts with a site address; update this helper');
    const config = `# Written by test/interop/helpers/forward-auth-proxies.ts around README.md's block
{
	admin off
	auto_https off
	storage file_system ${dir}/data
}
${withAddresses(block, addresses).replace(`${site} {`, `http://:${port} {`)}`;
    const configFile = join(dir, 'Caddyfile');
    await writeFile(configFile, config);
    const origin = `http://127.0.0.1:${port}`;
    const daemon = await startDaemon(t, {
      name: 'caddy',
      command: tools.caddy.command,
      args: ['run', '--config', configFile, '--adapter', 'caddyfile'],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') },
      isReady: async (child) => child.exitCode === null && (await answers(`${origin}/`)),
    });
    return { origin, output: daemon.output };
  });
}
