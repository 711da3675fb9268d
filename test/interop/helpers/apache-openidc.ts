/**
 * Apache 2.4 with mod_auth_openidc (Debian libapache2-mod-auth-openidc) as an OpenID Connect
 * relying party nobody here wrote: `/protected/` needs a sign-in through the provider named by
 * `issuer`; `/loggedout.html` is public. Written into the test's temp dir on loopback, like
 * apache-webdav.ts; nothing of Debian's own Apache setup is used.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { answers, startDaemon } from '../../helpers/daemon.js';
import { tools } from './require-tool.js';

export const modAuthOpenidc = '/usr/lib/apache2/modules/mod_auth_openidc.so';

export interface OpenidcApache {
  origin: string;
  /** `METHOD PATH user=<REMOTE_USER> name=<preferred_username claim>` per request. */
  accessLog(): Promise<string[]>;
  output(): string;
}

export interface OpenidcOptions {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

function config(dir: string, root: string, o: OpenidcOptions): string {
  return `# Written by test/interop/helpers/apache-openidc.ts
ServerRoot /usr/lib/apache2
ServerName 127.0.0.1
Listen 127.0.0.1:${o.port}
PidFile ${dir}/httpd.pid
Mutex file:${dir} default
ErrorLog ${dir}/error.log
LogLevel warn auth_openidc:info
LogFormat "%m %U user=%u name=%{OIDC_CLAIM_preferred_username}i" rp
CustomLog ${dir}/access.log rp
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule authn_core_module modules/mod_authn_core.so
LoadModule authz_user_module modules/mod_authz_user.so
LoadModule mime_module modules/mod_mime.so
LoadModule dir_module modules/mod_dir.so
LoadModule auth_openidc_module ${modAuthOpenidc}
TypesConfig /etc/mime.types
DirectoryIndex index.html
DocumentRoot "${root}"
<Directory "${root}">
  Require all granted
</Directory>

OIDCProviderMetadataURL ${o.issuer}/.well-known/openid-configuration
OIDCClientID ${o.clientId}
OIDCClientSecret ${o.clientSecret}
OIDCRedirectURI http://127.0.0.1:${o.port}/protected/redirect_uri
OIDCCryptoPassphrase interop-passphrase-not-secret
OIDCScope "openid profile email"
OIDCPKCEMethod S256
OIDCSSLValidateServer Off
OIDCProviderTokenEndpointAuth client_secret_basic
<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
`;
}

export async function startOpenidcApache(t: Test, dir: string, options: OpenidcOptions): Promise<OpenidcApache> {
  const root = join(dir, 'htdocs');
  await mkdir(join(root, 'protected'), { recursive: true });
  await writeFile(join(root, 'protected', 'index.html'), '<!doctype html><title>Protected</title><p>protected content</p>\n');
  await writeFile(join(root, 'loggedout.html'), '<!doctype html><title>Logged out</title><p>you are logged out</p>\n');
  const configFile = join(dir, 'httpd.conf');
  await writeFile(configFile, config(dir, root, options));
  const origin = `http://127.0.0.1:${options.port}`;
  const daemon = await startDaemon(t, {
    name: 'apache2 with mod_auth_openidc',
    command: tools.apache2.command,
    args: ['-f', configFile, '-DFOREGROUND'],
    cwd: dir,
    isReady: async (child) =>
      (await readFile(join(dir, 'httpd.pid'), 'utf8').catch(() => '')).trim() === String(child.pid) && (await answers(`${origin}/loggedout.html`)),
  });
  return {
    origin,
    output: () => `${daemon.output()}\n${''}`,
    accessLog: async () => (await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
}
