/**
 * Runs the built CLI (dist/src/main.js; build with `tsc -p tsconfig.json` first) as a child
 * process with the Node that runs the tests. PHOTOGATE_* variables of the caller are dropped so
 * that only what a test passes applies; stdin is a pipe (not a terminal), closed after `input`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string;
  cwd?: string;
}

export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PHOTOGATE_')));
  return { ...env, ...extra };
}

export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: cliEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Adds `--json` and parses stdout; `json` is undefined when stdout is empty (a failure). */
export async function runCliJson<T = Record<string, unknown>>(
  args: readonly string[],
  options: RunCliOptions = {},
): Promise<CliResult & { json: T | undefined }> {
  const result = await runCli([...args, '--json'], options);
  return { ...result, json: result.stdout.trim() === '' ? undefined : (JSON.parse(result.stdout) as T) };
}

/** A failure as PRODUCT.md wants it: the exit code, one line on stderr, no stack, nothing on stdout. */
export function isCleanFailure(result: CliResult, code: number): boolean {
  const lines = result.stderr.trimEnd().split('\n');
  return (
    result.code === code &&
    result.stdout === '' &&
    lines.length === 1 &&
    /^photogate\b/.test(lines[0] ?? '') &&
    !/\bat .*:\d+:\d+/.test(result.stderr)
  );
}
