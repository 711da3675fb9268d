#!/usr/bin/env node
/**
 * The `photogate` executable: a registry of commands, and the one place that turns an outcome
 * into an exit code: 0 ok, 1 runtime failure, 2 usage error (UsageError carries its own).
 * Errors print one line without a stack (PHOTOGATE_DEBUG=1 adds it); commands never put secrets
 * in error messages, so none reach stderr.
 *
 * The server's V8 option, `--max-semi-space-size=8`, is passed by its launchers (`npm start`,
 * `npm run dev`, the Docker image; a unit test keeps them equal), not by this file's first line:
 * `env -S` is GNU and macOS only (BusyBox on Alpine and the BSDs lack it), and a CLI that does not
 * start at all there is worse than a larger heap. By default V8 lets the young generation grow to
 * two semi-spaces of up to 64 MiB each under a steady request load; the gateway's garbage is
 * short-lived request state, so a small young generation costs little (about 2% more CPU a
 * proxied request, within this machine's noise: 85 vs 87 and 73 vs 75 µs) and keeps the resident
 * size down (100,000 tokens: peak 273-280 MB with the default, 175-181 MB with this; the first
 * writes after loading such a store blocked 19-30 ms instead of 3 ms). Issue 6, `npm run bench`.
 */
import { readFileSync } from 'node:fs';
import { authCommand } from './cli/auth.js';
import { checkConfigCommand } from './cli/check-config.js';
import { clientsCommand } from './cli/clients.js';
import type { Command, CommandIo } from './cli/command.js';
import { startCommand } from './cli/start.js';
import { usersCommand } from './cli/users.js';
import { ConfigError } from './config/load-config.js';
import { StoreCorrupt, UsageError } from './errors.js';

const commands: readonly Command[] = [startCommand, checkConfigCommand, usersCommand, authCommand, clientsCommand];
const registry = new Map(commands.map((command) => [command.name, command]));

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: photogate <command> [options]',
    '',
    'An authentication gateway for self-hosted photo and WebDAV servers.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help',
    '  --version      print the version',
    '',
    "Run `photogate <command> --help` for a command's options.",
    '',
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function report(error: unknown, io: CommandIo): number {
  if (io.env.PHOTOGATE_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
  if (error instanceof UsageError) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError || error instanceof StoreCorrupt) {
    io.stderr.write(`${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`photogate: ${message.split('\n')[0]}\n`);
  return 1;
}

async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`photogate ${version()}\n`);
    return 0;
  }
  const command = registry.get(name);
  if (command === undefined) {
    io.stderr.write(`photogate: unknown command "${name}" (see photogate --help)\n`);
    return 2;
  }
  if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) {
    io.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(error, io);
  }
}

// `photogate auth ls | head` closes the pipe early; that is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
