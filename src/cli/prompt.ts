/**
 * Questions on the terminal, asked on stderr so that stdout stays clean for --json. Hidden input
 * goes through a muted copy of the output stream: readline still handles editing keys, but
 * nothing typed is echoed.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { CommandIo } from './command.js';

export function isInteractive(io: CommandIo): boolean {
  return io.stdin.isTTY === true;
}

function ask(io: CommandIo, question: string, hidden: boolean): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) io.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: io.stdin, output, terminal: true });
  return new Promise<string>((resolve, reject) => {
    rl.on('SIGINT', () => {
      io.stderr.write('\n');
      reject(new UsageError('cancelled', 130));
      rl.close();
    });
    rl.on('close', () => reject(new UsageError('cancelled: no answer', 1)));
    rl.question(question, (answer) => {
      if (hidden) io.stderr.write('\n');
      resolve(answer);
      rl.close();
    });
    muted = hidden;
  });
}

export function promptHidden(io: CommandIo, question: string): Promise<string> {
  return ask(io, question, true);
}

/** y/N: anything but `y` or `yes` is no. */
export async function confirm(io: CommandIo, question: string): Promise<boolean> {
  const answer = await ask(io, `${question} [y/N] `, false);
  return /^y(es)?$/i.test(answer.trim());
}

/** PRODUCT.md "CLI confirmations": `rm` and `reset` ask only on a terminal, and not with --yes. */
export async function confirmAction(io: CommandIo, yes: boolean | undefined, question: string): Promise<boolean> {
  if (yes === true || !isInteractive(io)) return true;
  if (await confirm(io, question)) return true;
  io.stderr.write('cancelled\n');
  return false;
}
