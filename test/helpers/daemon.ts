/**
 * A server a test starts as a child process (Apache, Prometheus, `rclone serve`): waits until it is
 * ready with bounded polling, and stops it in `t.teardown` (SIGTERM, SIGKILL after 5 s), so a
 * failing test never leaves one running. Apache and Prometheus cannot bind port 0 and report it,
 * so `onFreePort` hands out a port that was free a moment ago and retries when another process
 * took it in between (the daemon's output says "address already in use").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Test } from 'tap';
import { findFreePort } from '../../bench/free-port.js';

export { findFreePort };

export interface DaemonOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Polled every 100 ms until it resolves true, for at most `readyTimeoutMs`. It should make sure
   * the answer comes from this child (its pid file, say), not from whoever took the port.
   */
  isReady: (child: ChildProcess) => Promise<boolean>;
  readyTimeoutMs?: number;
}

export interface Daemon {
  child: ChildProcess;
  /** Everything it printed on stdout and stderr so far. */
  output(): string;
}

export class AddressInUse extends Error {}

const addressInUse = /address already in use|could not bind|EADDRINUSE/i;

export async function startDaemon(t: Test, options: DaemonOptions): Promise<Daemon> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: string) => {
    // Bounded: a chatty daemon must not grow the test's memory without end.
    output = (output + chunk).slice(-256 * 1024);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running = false;
      resolve();
    });
    child.once('error', (error) => {
      collect(`\n${error.message}\n`);
      running = false;
      resolve();
    });
  });
  t.teardown(async () => {
    if (!running) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(kill);
  });

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (!running) {
      const why = `${options.name} exited before it was ready:\n${output.trim()}`;
      throw addressInUse.test(output) ? new AddressInUse(why) : new Error(why);
    }
    if (await options.isReady(child).catch(() => false)) return { child, output: () => output };
    if (Date.now() > deadline) throw new Error(`${options.name} was not ready in time:\n${output.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `start(port)` with a free loopback port, again with another when it was taken meanwhile. */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await findFreePort());
    } catch (error) {
      if (!(error instanceof AddressInUse) || attempt >= attempts) throw error;
    }
  }
}

/** True when `url` answers at all (any status) within a second. */
export async function answers(url: string, init: RequestInit = {}): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
