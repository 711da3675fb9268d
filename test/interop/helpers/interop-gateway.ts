/**
 * photogate for the interop suite: a real `photogate start` process (built dist/, as a user runs
 * it) with a config file in the test's temp dir, and the real CLI on the same config and store
 * to create users, app passwords and clients while it runs (the gateway notices within a second).
 * Production argon2 cost, no in-process shortcuts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { startGatewayProcess } from '../../helpers/gateway-process.js';
import { runCliJson } from '../../helpers/run-cli.js';

export interface InteropGateway {
  /** http://127.0.0.1:PORT */
  url: string;
  configFile: string;
  /** Runs a CLI command with `--json` on this gateway's config; rejects unless it exits 0. */
  cli<T = Record<string, unknown>>(args: readonly string[]): Promise<T>;
  addUser(username: string, password: string, options?: { webdav?: boolean; role?: 'admin' | 'user' }): Promise<void>;
  /** `auth add USER -s SCOPE`: resolves to the app password, shown once. */
  addAppPassword(username: string, scope: string): Promise<string>;
  /** `clients add -s SCOPE`: resolves to the client id and secret. */
  addClient(name: string, scope: string): Promise<{ clientId: string; clientSecret: string }>;
  stderr(): string;
}

export interface InteropGatewayOptions {
  upstream: string;
  dir: string;
  /** `webdav-root`: one rule, every path is WebDAV (a plain WebDAV upstream); `builtin`: PhotoPrism's rules. */
  routes: 'webdav-root' | 'builtin';
  /** More top-level YAML, appended as is (keys other than upstream, store, routes, log). */
  extraYaml?: string;
  /** More route rules, as YAML list items indented for `rules:` (builtin routes only). */
  extraRules?: string;
}

export async function startInteropGateway(t: Test, options: InteropGatewayOptions): Promise<InteropGateway> {
  const configFile = join(options.dir, 'photogate.yaml');
  const routes =
    options.routes === 'webdav-root'
      ? 'routes:\n  builtin: false\n  rules:\n    - path: /\n      scope: webdav\n'
      : `routes:\n  builtin: true\n${options.extraRules ? `  rules:\n${options.extraRules}` : ''}`;
  await writeFile(
    configFile,
    `upstream:\n  url: ${options.upstream}\nstore:\n  path: ${join(options.dir, 'store.json')}\n${routes}log:\n  level: warn\n${options.extraYaml ?? ''}`,
  );
  const gateway = await startGatewayProcess(t, ['--config', configFile], { PHOTOGATE_ADMIN_PASSWORD: 'interop-admin-password' });

  async function cli<T>(args: readonly string[]): Promise<T> {
    const result = await runCliJson<T>([...args, '--config', configFile]);
    if (result.code !== 0 || result.json === undefined) {
      throw new Error(`photogate ${args[0]} ${args[1]} failed with exit ${result.code}: ${result.stderr.trim()}`);
    }
    return result.json;
  }

  return {
    url: gateway.url,
    configFile,
    cli,
    async addUser(username, password, o = {}) {
      await cli(['users', 'add', username, '--password', password, '--role', o.role ?? 'user', o.webdav === false ? '--no-webdav' : '--webdav']);
    },
    async addAppPassword(username, scope) {
      return (await cli<{ token: string }>(['auth', 'add', username, '-n', 'interop', '-s', scope])).token;
    },
    async addClient(name, scope) {
      const client = await cli<{ client_id: string; client_secret: string }>(['clients', 'add', '-n', name, '-s', scope]);
      return { clientId: client.client_id, clientSecret: client.client_secret };
    },
    stderr: gateway.stderr,
  };
}
