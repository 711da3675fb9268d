/**
 * litmus, the WebDAV server test suite (Debian `litmus`), run against a URL and parsed per test.
 *
 * litmus prints each test as `NN. name....` then, after a carriage return, the same again with
 * the outcome: `pass`, `FAIL (why)` (the reason may run over lines), `SKIPPED`, or `WARNING:
 * ...` lines followed by a `......... pass (with N warnings)` line. Tests are keyed
 * `suite/NN name` because names repeat within a suite (`props` has a dozen `propget`).
 */
import { execFile } from 'node:child_process';
import { tools } from './require-tool.js';

export type LitmusOutcome = 'pass' | 'fail' | 'skipped';

export interface LitmusRun {
  /** Every test litmus reported, in order, with its outcome. */
  outcomes: Map<string, LitmusOutcome>;
  /** Warning lines per test (a test with warnings may still pass). */
  warnings: Map<string, string[]>;
  /** The first line of each failing test's reason. */
  reasons: Map<string, string>;
  passed: string[];
  /** What litmus's own `<- summary` lines say passed, summed over suites: a check on the parser. */
  summaryPassed: number;
  output: string;
}

const summaryLine = /^<- summary for `[^']+': of \d+ tests run: (\d+) passed/;
const suiteLine = /^-> running `([^']+)':/;
const testLine = /^\s*(\d+)\.\s([A-Za-z0-9_]+)[. ]*(.*)$/;
const continuation = /^\s*\.{3,}\s+(.*)$/;
const outcomeOf = (text: string): LitmusOutcome | undefined =>
  text.startsWith('pass') ? 'pass' : text.startsWith('FAIL') ? 'fail' : text.startsWith('SKIPPED') ? 'skipped' : undefined;

export function parseLitmus(output: string): LitmusRun {
  const outcomes = new Map<string, LitmusOutcome>();
  const warnings = new Map<string, string[]>();
  const reasons = new Map<string, string>();
  let suite = '';
  let current = '';
  let summaryPassed = 0;
  for (const line of output.replaceAll('\r', '\n').split('\n')) {
    summaryPassed += Number(summaryLine.exec(line)?.[1] ?? 0);
    const suiteMatch = suiteLine.exec(line);
    if (suiteMatch) {
      suite = suiteMatch[1] as string;
      continue;
    }
    const test = testLine.exec(line);
    const rest = test ? (test[3] as string) : (continuation.exec(line)?.[1] ?? '');
    if (test) current = `${suite}/${(test[1] as string).padStart(2, '0')} ${test[2] as string}`;
    if (current === '' || (!test && !continuation.test(line))) continue;
    if (rest.startsWith('WARNING')) warnings.set(current, [...(warnings.get(current) ?? []), rest]);
    const outcome = outcomeOf(rest);
    if (outcome === undefined) continue;
    outcomes.set(current, outcome);
    if (outcome === 'fail') reasons.set(current, rest);
  }
  const passed = [...outcomes].filter(([, outcome]) => outcome === 'pass').map(([name]) => name);
  return { outcomes, warnings, reasons, passed, summaryPassed, output };
}

/**
 * Runs every litmus suite (`-k`: keep going after a failing suite) against `url`, with Basic
 * credentials when given, in `cwd` (litmus writes debug.log and child.log there). Bounded by a
 * hard time limit; resolves whatever litmus's exit status (failing tests make it non-zero).
 * litmus takes the password only as an argument, so the throw-away app password of the test is
 * visible in the process list while it runs.
 */
export function runLitmus(url: string, cwd: string, credentials?: { username: string; password: string }): Promise<LitmusRun> {
  const args = ['-k', url, ...(credentials ? [credentials.username, credentials.password] : [])];
  return new Promise((resolve, reject) => {
    execFile(
      tools.litmus.command,
      args,
      { cwd, timeout: 180_000, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`litmus did not complete against ${url}: ${error.message}\n${stdout}${stderr}`));
          return;
        }
        resolve(parseLitmus(stdout + stderr));
      },
    );
  });
}
