/**
 * rclone as a WebDAV client of the gateway, configured only through the environment (no config
 * file; the obscured password and the bearer token never appear in a process list). Like
 * test/helpers/rclone.ts, but with a hard limit that fits a sync of hundreds of files and one
 * over 100 MB on a shared 2-core machine.
 */
import { execFile } from 'node:child_process';
import { obscure, rcloneEnv, rcloneQuickFlags, type RcloneResult } from './rclone.js';

export type RcloneClient = (...args: string[]) => Promise<RcloneResult>;

export type RcloneCredential = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

function run(args: string[], env: NodeJS.ProcessEnv, hardLimitMs: number): Promise<RcloneResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'rclone',
      args,
      { env, timeout: hardLimitMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && !error.killed) return reject(error);
        if (error?.killed) return reject(new Error(`rclone ${args[0]} did not finish within ${hardLimitMs} ms:\n${stderr}`));
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** An rclone whose `:webdav:` remote is `url` with `credential`. */
export async function rcloneClient(url: string, home: string, credential: RcloneCredential, hardLimitMs = 240_000): Promise<RcloneClient> {
  const auth: Record<string, string> =
    credential.kind === 'basic'
      ? { RCLONE_WEBDAV_USER: credential.username, RCLONE_WEBDAV_PASS: await obscure(credential.password, rcloneEnv(home)) }
      : { RCLONE_WEBDAV_BEARER_TOKEN: credential.token };
  const env = rcloneEnv(home, { RCLONE_WEBDAV_URL: url, RCLONE_WEBDAV_VENDOR: 'other', ...auth });
  return (...args) => run([...args, ...rcloneQuickFlags], env, hardLimitMs);
}
