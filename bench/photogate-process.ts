/**
 * photogate as users run it: `dist/src/main.js start` as its own process, with the Node options
 * its launchers pass (`npm start`'s, the same as the Docker image's), on built-in defaults (request log on, info level, default cache), with a store prepared
 * by the CLI beforehand:
 * a user with WebDAV access, one app password and one access token (both scope `*`).
 * Its working directory is the run's temporary directory, so no ./photogate.yaml of ours applies;
 * its log goes to a file there, so reading it costs the benchmark nothing.
 * `PHOTOGATE_BENCH_NODE_OPTIONS` is passed to its Node as NODE_OPTIONS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile the gateway under the benchmark's load).
 */
import { execFileSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type StartedChild } from './child-processes.js';

export const photogateMain = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** The Node options photogate's launchers pass: those of `npm start` (`node OPTIONS dist/src/main.js start`). */
export function launcherNodeFlags(): string[] {
  const packageJson = fileURLToPath(new URL('../../package.json', import.meta.url));
  const start = (JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts: { start: string } }).scripts.start;
  const match = /^node (.*?) ?dist\/src\/main\.js start$/.exec(start);
  if (!match) throw new Error(`package.json's start script is not "node [OPTIONS] dist/src/main.js start": the launcher's options cannot be read`);
  return (match[1] ?? '').split(' ').filter(Boolean);
}

export interface PhotogateProcess {
  process: StartedChild;
  url: string;
  username: string;
  password: string;
  appPassword: string;
  accessToken: string;
  /** `Authorization` values. */
  basic(username: string, password: string): string;
  /** The gateway's Prometheus text, read with the access token. */
  metrics(): Promise<string>;
}

function photogateEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PHOTOGATE_') && key !== 'NODE_OPTIONS'));
  return { ...env, ...extra };
}

function cli(args: readonly string[], workDir: string): { token?: string } {
  const out = execFileSync(process.execPath, [photogateMain, ...args, '--json'], { cwd: workDir, env: photogateEnv(), encoding: 'utf8' });
  return JSON.parse(out) as { token?: string };
}

export const basicAuthorization = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** `store`: a store file (default: a new one in `workDir`) or a postgres:// URL. */
export async function startPhotogate(
  upstreamUrl: string,
  workDir: string,
  name = 'photogate',
  store = join(workDir, `${name}-store.json`),
): Promise<PhotogateProcess> {
  const username = 'bench';
  const password = 'photogate-bench-password';
  cli(['users', 'add', username, '--password', password, '--role', 'admin', '--webdav', '--store', store], workDir);
  const appPassword = cli(['auth', 'add', username, '-n', 'bench-app', '-s', '*', '--store', store], workDir).token;
  const accessToken = cli(['auth', 'add', '-n', 'bench-token', '-s', '*', '--store', store], workDir).token;
  if (appPassword === undefined || accessToken === undefined) throw new Error('photogate auth add printed no secret');

  const nodeOptions = process.env.PHOTOGATE_BENCH_NODE_OPTIONS;
  const started = await startChild(
    name,
    process.execPath,
    [...launcherNodeFlags(), photogateMain, 'start', '--listen', '127.0.0.1:0', '--upstream', upstreamUrl, '--store', store],
    {
      readyPattern: /listening on (http:\/\/\S+)/,
      cwd: workDir,
      env: photogateEnv(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      stderrFd: openSync(join(workDir, `${name}.log`), 'a'),
    },
  );
  const url = started.url;
  return {
    process: started,
    url,
    username,
    password,
    appPassword,
    accessToken,
    basic: basicAuthorization,
    async metrics() {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${accessToken}` } });
      if (res.status !== 200) throw new Error(`photogate /metrics answered ${res.status}`);
      return res.text();
    },
  };
}

/** The value of one unlabelled counter in Prometheus text, or 0 when absent. */
export function readCounter(metricsText: string, name: string): number {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}
