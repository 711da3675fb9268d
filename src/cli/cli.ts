/**
 * The `photogate` commands: a registry, and the one place that turns an outcome into an exit
 * code: 0 ok, 1 runtime failure, 2 usage error (UsageError carries its own). Errors print one line
 * without a stack (PHOTOGATE_DEBUG=1 adds it); commands never put secrets in error messages, so
 * none reach stderr. Loaded by src/main.ts once the Node version is known to be supported.
 */
import { readFileSync } from 'node:fs';
import { authCommand } from './auth.js';
import { checkConfigCommand } from './check-config.js';
import { clientsCommand } from './clients.js';
import { keysCommand } from './keys.js';
import type { Command, CommandIo } from './command.js';
import { rulesCommand } from './rules.js';
import { startCommand } from './start.js';
import { storeCommand } from './store.js';
import { usersCommand } from './users.js';
import { ConfigError } from '../config/load-config.js';
import { StoreCorrupt, StoreUnavailable, UsageError } from '../errors.js';

const commands: readonly Command[] = [
  startCommand,
  checkConfigCommand,
  usersCommand,
  authCommand,
  clientsCommand,
  keysCommand,
  storeCommand,
  rulesCommand,
];
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
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function report(error: unknown, io: CommandIo): number {
  if (io.env.PHOTOGATE_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
  if (error instanceof UsageError) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof StoreUnavailable) {
    io.stderr.write(`photogate: the store cannot be reached: ${error.detail ?? error.message}\n`);
    return 1;
  }
  if (error instanceof ConfigError || error instanceof StoreCorrupt) {
    io.stderr.write(`${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`photogate: ${message.split('\n')[0]}\n`);
  return 1;
}

export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
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
