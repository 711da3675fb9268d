/**
 * Every process the benchmark starts goes through here, so that all of them end with the run:
 * on success, on an error, on Ctrl-C (SIGINT), SIGTERM and SIGHUP. The registry is process-wide
 * on purpose: signals are too, and a section must not be able to leave a server behind.
 * Node children started from bench/ also exit when their stdin closes (`exitWhenParentGoes`), so
 * even a SIGKILLed benchmark leaves none of them running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';

export interface StartedChild {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The first match of `readyPattern`'s group 1 (a URL), when one was given. */
  url: string;
  /** Everything the child wrote to stderr (the last 64 KiB), for error messages. */
  stderr(): string;
}

export interface StartOptions {
  /** Resolves once stdout matches; group 1 becomes `url`. */
  readyPattern?: RegExp;
  /** Resolves once this port on 127.0.0.1 accepts a connection (for programs that print nothing). */
  readyPort?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where stderr goes; default: kept in memory (last 64 KiB). A file descriptor keeps it off our CPU. */
  stderrFd?: number;
  timeoutMs?: number;
}

const running = new Set<StartedChild>();

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function startChild(name: string, command: string, args: readonly string[], options: StartOptions = {}): Promise<StartedChild> {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', options.stderrFd ?? 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdin?.on('error', () => undefined);
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-65536)));
  const started: StartedChild = { name, child, pid: child.pid ?? -1, url: '', stderr: () => err };
  running.add(started);
  child.once('exit', () => running.delete(started));

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (error) reject(error);
      else resolve(started);
    };
    const timer = setTimeout(() => finish(new Error(`${name} did not start within ${options.timeoutMs ?? 20000} ms:\n${out}\n${err}`)), options.timeoutMs ?? 20000);
    child.once('error', (error) => finish(new Error(`${name} could not be started: ${error.message}`)));
    child.once('exit', (code, signal) => finish(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${out}\n${err}`)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out = (out + chunk).slice(-65536);
      const match = options.readyPattern?.exec(out);
      if (match) {
        started.url = match[1] ?? '';
        finish();
      }
    });
    const poll = setInterval(() => {
      if (options.readyPort === undefined) return;
      void portAccepts(options.readyPort).then((ok) => ok && finish());
    }, 50);
    if (options.readyPattern === undefined && options.readyPort === undefined) finish();
  });
}

/** Registers a process started elsewhere (a load generator), so that it too ends with the run. */
export function adoptChild(name: string, child: ChildProcess): void {
  const adopted: StartedChild = { name, child, pid: child.pid ?? -1, url: '', stderr: () => '' };
  running.add(adopted);
  child.once('exit', () => running.delete(adopted));
}

/** SIGTERM, then SIGKILL for whatever has not exited after `graceMs`. */
export async function stopChild(started: StartedChild, graceMs = 3000): Promise<void> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => stopChild(c)));
}

/** Last resort, synchronous (for `process.on('exit')`): no child outlives the benchmark. */
export function killAllChildren(): void {
  for (const { child } of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** For bench/ children: the benchmark holds our stdin; when it goes, so do we. */
export function exitWhenParentGoes(): void {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
