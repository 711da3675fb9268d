/**
 * `users`, `auth` and `clients` are groups of subcommands kept in a registry, like the commands
 * in main.ts. Each subcommand declares its own flags; the common ones (--config, --store, --json,
 * --help) are added here, and parse errors become UsageError (exit 2) naming the subcommand.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { type AuditEvent, createAudit } from '../audit/audit.js';
import { type Clock, systemClock } from '../clock.js';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { createAuditLogger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { Command, CommandIo } from './command.js';
import { withStore } from './with-store.js';

export const commonOptions = {
  config: { type: 'string' },
  store: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

export const commonOptionsHelp = `Common options:
  --config FILE   configuration file (default: $PHOTOGATE_CONFIG, else ./photogate.yaml)
  --store FILE    store file or postgres:// URL; overrides the configuration's store
  --json          print JSON for scripts instead of tables
  -h, --help      show this help`;

export interface SubcommandContext {
  io: CommandIo;
  clock: Clock;
  json: boolean;
  positionals: readonly string[];
  string(name: string): string | undefined;
  /** A repeatable option (`multiple: true`): every value given, in order, or undefined. */
  strings(name: string): readonly string[] | undefined;
  flag(name: string): boolean | undefined;
  withStore<T>(fn: (store: Store, config: Readonly<Config>) => Promise<T>): Promise<T>;
  /** The configuration (--config, --store, environment), for commands that open no store or several. */
  config(): Readonly<Config>;
  /** Records a change in the audit trail when `log.auditFile` is set (address `cli`, actor the system user). */
  audit(event: AuditEvent): void;
  /** Prints `json` with --json, else the table text. */
  print(json: unknown, table: () => string): void;
}

export interface Subcommand {
  name: string;
  /** Arguments and flags after the subcommand name, e.g. `NAME [--role admin|user]`. */
  usage: string;
  summary: string;
  /** Option descriptions and notes for --help. */
  details?: string;
  options?: ParseArgsOptionsConfig;
  /** Positional argument names: `NAME` is required, `[SEARCH]` optional. */
  positionals?: readonly string[];
  run(ctx: SubcommandContext): Promise<number>;
}

export function subcommandHelp(group: string, sub: Subcommand): string {
  const details = sub.details ? `\n${sub.details.trimEnd()}\n` : '';
  return `Usage: photogate ${group} ${sub.name} ${sub.usage}\n\n${sub.summary}\n${details}\n${commonOptionsHelp}\n`;
}

export function createCommandGroup(spec: {
  name: string;
  summary: string;
  subcommands: readonly Subcommand[];
}): Command {
  const registry = new Map(spec.subcommands.map((sub) => [sub.name, sub]));
  const width = Math.max(...spec.subcommands.map((sub) => `${sub.name} ${sub.usage}`.length));
  const help = [
    `Usage: photogate ${spec.name} <command> [options]`,
    '',
    spec.summary,
    '',
    'Commands:',
    ...spec.subcommands.map((sub) => `  ${`${sub.name} ${sub.usage}`.padEnd(width)}  ${sub.summary}`),
    '',
    commonOptionsHelp,
    '',
    `Run \`photogate ${spec.name} <command> --help\` for a command's details.`,
    '',
  ].join('\n');

  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(args, io) {
      const [name, ...rest] = args;
      if (name === '--help' || name === '-h') {
        io.stdout.write(help);
        return 0;
      }
      const sub = name === undefined ? undefined : registry.get(name);
      if (sub === undefined) {
        const known = [...registry.keys()].join(', ');
        const reason = name === undefined || name.startsWith('-') ? 'missing command' : `unknown command "${name}"`;
        throw new UsageError(`photogate ${spec.name}: ${reason} (one of: ${known})`);
      }
      if (wantsHelp(rest)) {
        io.stdout.write(subcommandHelp(spec.name, sub));
        return 0;
      }
      const label = `photogate ${spec.name} ${sub.name}`;
      try {
        return await sub.run(createContext(sub, rest, io));
      } catch (error) {
        if (error instanceof UsageError) throw new UsageError(`${label}: ${error.message}`, error.exitCode);
        throw error;
      }
    },
  };
}

export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function createContext(sub: Subcommand, args: readonly string[], io: CommandIo): SubcommandContext {
  const options: ParseArgsOptionsConfig = { ...commonOptions, ...sub.options };
  const { values, positionals } = parseCommandArgs(args, options);
  checkPositionals(sub.positionals ?? [], positionals);
  const string = (name: string) => values[name] as string | undefined;
  const load = () => loadConfig({ file: string('config'), overrides: { store: string('store') }, env: io.env });
  const json = values.json === true;
  return {
    io,
    clock: systemClock,
    json,
    positionals,
    string,
    strings: (name) => values[name] as string[] | undefined,
    flag: (name) => values[name] as boolean | undefined,
    withStore: (fn) => withStore(load().config, systemClock, fn),
    config: () => load().config,
    audit(event) {
      const { log } = load().config;
      if (log.auditFile === undefined) return;
      const actor = `cli:${safeUserName()}`;
      createAudit(createAuditLogger(undefined, log)).record({ ...event, address: 'cli', actor });
    },
    print(value, table) {
      io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : table());
    },
  };
}

/**
 * parseArgs refuses `-e -1` as ambiguous; a negative number after an option that takes a value
 * is that option's value (`-e -1` = never expires, `-t -1` = unlimited).
 */
export function parseCommandArgs(args: readonly string[], options: ParseArgsOptionsConfig) {
  const takesValue = new Set<string>();
  for (const [name, option] of Object.entries(options)) {
    if (option.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (option.short) takesValue.add(`-${option.short}`);
  }
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (takesValue.has(arg) && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`${arg}=${next}`.replace(/^-([^-])=/, '-$1'));
      i++;
    } else {
      joined.push(arg);
    }
  }
  try {
    return parseArgs({ args: joined, options, strict: true, allowPositionals: true, allowNegative: true });
  } catch (error) {
    // Node's messages name the option, never its value; keep their first sentence.
    const message = (error instanceof Error ? error.message : String(error)).split(/\.\s|\n/)[0] ?? '';
    throw new UsageError(`${message.charAt(0).toLowerCase()}${message.slice(1)} (see --help)`);
  }
}

function checkPositionals(names: readonly string[], given: readonly string[]): void {
  const required = names.filter((name) => !name.startsWith('['));
  if (given.length < required.length) throw new UsageError(`missing ${required[given.length]}`);
  // The extra argument is not echoed: it may be a password typed in the wrong place.
  if (given.length > names.length) throw new UsageError(`too many arguments (expected ${names.join(' ') || 'none'})`);
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
