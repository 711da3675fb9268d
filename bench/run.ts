/**
 * `npm run bench` (build, then this): runs every benchmark section of issue 6 in one go, prints
 * each section's figures and targets, and writes them as JSON to bench/results/<timestamp>.json.
 *
 *   node dist/bench/run.js [--quick] [--only SECTION[,SECTION]]
 *
 * `--quick` is a smoke run of seconds per section instead of minutes. Every process a section
 * starts is stopped when the run ends, fails, or is interrupted (child-processes.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { accountPage } from './account-page.js';
import { bigBodies } from './big-bodies.js';
import type { Section, SectionResult } from './bench-section.js';
import { killAllChildren, stopAllChildren } from './child-processes.js';
import { formatSection } from './format-section.js';
import { postgres } from './postgres.js';
import { storeScale } from './store-scale.js';
import { throughput } from './throughput.js';

function installExitHandlers(): void {
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping every benchmark process\n`);
      void stopAllChildren().finally(() => process.exit(130));
    });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const quick = values.quick === true;
  installExitHandlers();
  const sections: Array<[string, Section]> = [
    ['throughput', throughput],
    ['store-scale', storeScale],
    ['big-bodies', bigBodies],
    ['postgres', postgres],
    ['account-page', accountPage],
  ];
  const only = values.only?.split(',').map((s) => s.trim());
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const startedAt = new Date();
  const results: SectionResult[] = [];
  for (const [name, section] of sections) {
    if (only && !only.includes(name)) continue;
    const sectionStart = performance.now();
    const result = await section({ quick, log });
    log(`${name}: ${((performance.now() - sectionStart) / 1000).toFixed(0)} s`);
    results.push(result);
    process.stdout.write(`${formatSection(result)}\n`);
  }

  const report = {
    started_at: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    quick,
    machine: { cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? '?', node: process.versions.node, loadavg_at_end: loadavg() },
    sections: results,
  };
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${startedAt.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`;
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const missed = results.flatMap((r) => r.targets).filter((t) => !t.met).length;
  process.stdout.write(`\nresults: ${file}\ntotal ${report.seconds} s; ${missed === 0 ? 'every target met' : `${missed} target(s) missed`}\n`);
  return 0;
}

main().then(
  async (code) => {
    await stopAllChildren();
    process.exit(code);
  },
  async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await stopAllChildren();
    process.exit(1);
  },
);
