/**
 * rclone as a real WebDAV client and a real WebDAV upstream (`rclone serve webdav`), for tests.
 * rclone is required, never optional: a missing binary fails the test with the package to install
 * (.ci/run installs it). rclone runs with no config file and a minimal environment (no proxy
 * variables, a throw-away HOME), always asynchronously: the gateway under test lives in this
 * process, so a blocking spawnSync would deadlock against it.
 */
import { execFile, spawnSync } from 'node:child_process';
import type { Test } from 'tap';
import { onFreePort, startDaemon } from '../../helpers/daemon.js';

/** Bounds on every rclone call: connect, idle I/O, retries, and a hard kill. */
export const rcloneQuickFlags = [
  '--contimeout',
  '5s',
  '--timeout',
  '15s',
  '--retries',
  '1',
  '--low-level-retries',
  '1',
];
const rcloneHardLimitMs = 60_000;

export function requireRclone(): string {
  const result = spawnSync('rclone', ['version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0) {
    throw new Error(
      `rclone is required for this test and was not found on PATH (${result.error?.message ?? `exit ${result.status}`}); install it: apt-get install rclone`,
    );
  }
  return result.stdout.split('\n')[0] ?? '';
}

export function rcloneEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, RCLONE_CONFIG: '/dev/null', ...extra };
}

export interface RcloneResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs rclone to completion; resolves with its exit code (never rejects on a non-zero exit). */
export function runRclone(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<RcloneResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'rclone',
      args,
      { env, timeout: rcloneHardLimitMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && !error.killed) return reject(error);
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? '');
  });
}

/** `rclone obscure -` reads the secret from stdin, so it never shows in a process list. */
export async function obscure(secret: string, env: NodeJS.ProcessEnv): Promise<string> {
  const result = await runRclone(['obscure', '-'], env, `${secret}\n`);
  if (result.code !== 0) throw new Error(`rclone obscure failed with exit ${result.code}`);
  return result.stdout.trim();
}

/**
 * Starts `rclone serve webdav DIR` on a free loopback port under `baseUrl`, waits until it
 * answers (bounded), and stops it in teardown. Resolves with its origin (`http://127.0.0.1:PORT`).
 */
export async function startRcloneServe(t: Test, dir: string, home: string, baseUrl: string): Promise<string> {
  return onFreePort(async (port) => {
    const origin = `http://127.0.0.1:${port}`;
    await startDaemon(t, {
      name: 'rclone serve webdav',
      command: 'rclone',
      args: ['serve', 'webdav', dir, '--addr', `127.0.0.1:${port}`, '--baseurl', baseUrl],
      env: rcloneEnv(home),
      isReady: () => answersOk(`${origin}${baseUrl}/`),
      readyTimeoutMs: 15_000,
    });
    return origin;
  });
}

async function answersOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await res.arrayBuffer();
  return res.ok;
}
