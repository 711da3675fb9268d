/**
 * Drift test: docs/errors.md lists every error code the gateway can answer with, and its status.
 * The codes come from the code itself: every GatewayError subclass src/errors.ts exports
 * (constructed, so its status and code are read, not copied), and every literal code elsewhere
 * under src/ (`new GatewayError(400, 'x')`, a `pollError('x')`, a raw `{ error: 'x' }` body).
 * A code added anywhere fails this test until docs/errors.md has a row for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import * as errors from '../../../src/errors.js';

const root = new URL('../../../', import.meta.url).pathname;

type ErrorClass = new (...args: unknown[]) => errors.GatewayError;

function constructed(Class: ErrorClass): errors.GatewayError {
  // MethodNotAllowed takes the allowed methods, TooManyRequests the seconds to wait.
  for (const args of [[], [[]], [1]]) {
    try {
      const error = new Class(...args);
      if (typeof error.code === 'string' && Number.isInteger(error.status)) return error;
    } catch {
      // try the next shape of arguments
    }
  }
  throw new Error(`cannot construct ${Class.name}`);
}

function classCodes(): Map<string, Set<number>> {
  const codes = new Map<string, Set<number>>();
  for (const value of Object.values(errors)) {
    if (typeof value !== 'function' || !(value.prototype instanceof errors.GatewayError)) continue;
    const error = constructed(value as ErrorClass);
    codes.set(error.code, (codes.get(error.code) ?? new Set()).add(error.status));
  }
  return codes;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Codes written as literals: `GatewayError(400, 'code'`, `pollError('code'`, `fail('code'`, `error: 'code'`. */
function literalCodes(): Set<string> {
  const codes = new Set<string>();
  const pattern = /(?:GatewayError\(\s*\d{3},\s*|\b(?:fail|[a-z]+Error)\(\s*|\berror: )'([a-z][a-z_]*)'/g;
  for (const file of sourceFiles(join(root, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) codes.add(match[1] as string);
  }
  return codes;
}

/** Rows of docs/errors.md: `| \`code\` | status |`. */
function documented(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of readFileSync(join(root, 'docs/errors.md'), 'utf8').matchAll(/^\| `([a-z_]+)` \| ([^|]+) \|/gm)) {
    rows.set(match[1] as string, (match[2] as string).trim());
  }
  return rows;
}

t.test('every error class in src/errors.ts is documented with its status', async (t) => {
  const docs = documented();
  const codes = classCodes();
  t.ok(codes.size >= 15, `${codes.size} codes from classes`);
  for (const [code, statuses] of codes) {
    const row = docs.get(code);
    t.ok(row, `${code} is in docs/errors.md`);
    for (const status of statuses) t.match(row ?? '', String(status), `${code}: status ${status} is in its row`);
  }
});

t.test('every literal error code under src/ is documented', async (t) => {
  const docs = documented();
  const codes = literalCodes();
  t.ok(codes.has('slow_down') && codes.has('temporarily_unavailable'), 'the scan finds literal codes');
  for (const code of codes) t.ok(docs.has(code), `${code} is in docs/errors.md`);
});
