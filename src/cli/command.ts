/**
 * A CLI command: main.ts keeps a registry of these (no switch), so a new command is one file and
 * one line. `run` resolves to the exit code; it never calls process.exit itself, and reports a
 * bad argument by throwing UsageError (exit 2) with a one-line reason.
 */
import type { Readable, Writable } from 'node:stream';

export interface CommandIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** `users`, `auth`, `start`, ... */
  name: string;
  /** One line for `photogate --help`. */
  summary: string;
  /** Full text for `photogate NAME --help`. */
  help: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}
