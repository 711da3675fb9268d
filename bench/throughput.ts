/**
 * Issue 6 points 1-3: requests a second and latency of photogate against the bare proxies and
 * Caddy, under the same wrk load, in one run.
 *
 * Started here, each in its own process: the bench upstream, a bare http-proxy-3 proxy and a bare
 * undici proxy (no auth), Caddy with basic_auth, and photogate. Every configuration is driven by
 * wrk (1 thread, 32 connections) for 200 B and 64 KiB answers. The CPU is shared (2 cores, and
 * other work on the machine), so configurations are interleaved within each round, the order
 * rotates between rounds, and each figure is the median over rounds; ratios are medians of
 * per-round ratios (both sides measured within the same round), which cancels slow drifts.
 * Targets are reported, never asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Section, SectionResult, TargetCheck } from './bench-section.js';
import { startCaddyBasicAuth } from './caddy-basic-auth.js';
import { startChild, stopChild, type StartedChild } from './child-processes.js';
import { readCounter, startPhotogate } from './photogate-process.js';
import { median, round } from './stats.js';
import { runWrk, type WrkResult } from './wrk.js';

const benchScript = (name: string) => fileURLToPath(new URL(`./${name}.js`, import.meta.url));

interface Configuration {
  id: string;
  /** Which photogate credential, or undefined for the references. */
  credential?: 'cached' | 'public';
  base: string;
  headers: Record<string, string>;
}

const sizes = [
  { id: '200B', suffix: 'small', bytes: 200 },
  { id: '64KiB', suffix: 'large', bytes: 65536 },
] as const;

const connections = 32;
const threads = 1;

async function checkAnswers(configuration: Configuration): Promise<void> {
  for (const size of sizes) {
    const res = await fetch(configuration.base + size.suffix, { headers: configuration.headers });
    const body = await res.arrayBuffer();
    if (res.status !== 200 || body.byteLength !== size.bytes) {
      throw new Error(`${configuration.id} answered ${res.status} with ${body.byteLength} bytes for ${size.id}; the figures would be meaningless`);
    }
  }
}

function fmt(value: number, digits = 2): string {
  return value.toFixed(digits);
}

export const throughput: Section = async ({ quick, log }): Promise<SectionResult> => {
  const plan = quick ? { rounds: 1, seconds: 1, warmupSeconds: 0 } : { rounds: 3, seconds: 3, warmupSeconds: 1 };
  const workDir = mkdtempSync(join(tmpdir(), 'photogate-bench-'));
  const children: StartedChild[] = [];
  try {
    log(`throughput: starting the upstream, bare proxies, Caddy and photogate (work dir ${workDir})`);
    const upstream = await startChild('bench-upstream', process.execPath, [benchScript('bench-upstream')], { readyPattern: /listening on (\S+)/ });
    children.push(upstream);
    const [bareHttpProxy, bareUndici, caddy, gateway] = await Promise.all([
      startChild('bare-http-proxy', process.execPath, [benchScript('bare-http-proxy'), upstream.url], { readyPattern: /listening on (\S+)/ }),
      startChild('bare-undici-proxy', process.execPath, [benchScript('bare-undici-proxy'), upstream.url], { readyPattern: /listening on (\S+)/ }),
      startCaddyBasicAuth(upstream.url, workDir),
      startPhotogate(upstream.url, workDir),
    ]);
    children.push(bareHttpProxy, bareUndici, caddy.process, gateway.process);

    const photos = '/api/v1/photos/';
    const configurations: Configuration[] = [
      { id: 'direct', base: upstream.url + photos, headers: {} },
      { id: 'http-proxy-3 (bare)', base: bareHttpProxy.url + photos, headers: {} },
      { id: 'undici proxy (bare)', base: bareUndici.url + photos, headers: {} },
      { id: 'caddy basic_auth', base: caddy.url + photos, headers: { authorization: gateway.basic(caddy.username, caddy.password) } },
      { id: 'photogate Bearer', credential: 'cached', base: gateway.url + photos, headers: { authorization: `Bearer ${gateway.accessToken}` } },
      { id: 'photogate X-Auth-Token', credential: 'cached', base: gateway.url + photos, headers: { 'x-auth-token': gateway.accessToken } },
      { id: 'photogate Basic app password', credential: 'cached', base: gateway.url + photos, headers: { authorization: gateway.basic(gateway.username, gateway.appPassword) } },
      { id: 'photogate Basic user password', credential: 'cached', base: gateway.url + photos, headers: { authorization: gateway.basic(gateway.username, gateway.password) } },
      { id: 'photogate public route', credential: 'public', base: `${gateway.url}/api/v1/t/bench-preview-token/`, headers: {} },
    ];

    const verificationsBefore = readCounter(await gateway.metrics(), 'photogate_password_verifications_total');
    const startedAt = performance.now();
    for (const configuration of configurations) await checkAnswers(configuration);

    const runs = new Map<string, WrkResult[]>();
    const key = (configuration: Configuration, size: (typeof sizes)[number]) => `${configuration.id}|${size.id}`;
    const drive = (configuration: Configuration, size: (typeof sizes)[number], seconds: number) =>
      runWrk({ url: configuration.base + size.suffix, headers: configuration.headers, connections, threads, durationSeconds: seconds, workDir });

    if (plan.warmupSeconds > 0) {
      log(`throughput: warming up each configuration for ${plan.warmupSeconds} s`);
      for (const size of sizes) for (const configuration of configurations) await drive(configuration, size, plan.warmupSeconds);
    }
    for (let r = 0; r < plan.rounds; r++) {
      log(`throughput: round ${r + 1} of ${plan.rounds} (${configurations.length * sizes.length} runs of ${plan.seconds} s)`);
      const order = [...configurations.slice(r % configurations.length), ...configurations.slice(0, r % configurations.length)];
      for (const size of sizes) {
        for (const configuration of order) {
          const result = await drive(configuration, size, plan.seconds);
          const list = runs.get(key(configuration, size)) ?? [];
          list.push(result);
          runs.set(key(configuration, size), list);
          log(`  ${size.id.padEnd(6)} ${configuration.id.padEnd(30)} ${fmt(result.requestsPerSecond, 0).padStart(7)} req/s  p50 ${fmt(result.p50Ms)} ms  p99 ${fmt(result.p99Ms)} ms${result.errors + result.non2xx > 0 ? `  ERRORS ${result.errors} non-2xx ${result.non2xx}` : ''}`);
        }
      }
    }
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    const verifications = readCounter(await gateway.metrics(), 'photogate_password_verifications_total') - verificationsBefore;

    const bare = configurations[1] as Configuration;
    const caddyConfig = configurations[3] as Configuration;
    const rows: SectionResult['rows'] = [];
    const byId = new Map<string, { rps: number; xBare: number; xCaddy: number; p50Plus: number }>();
    for (const size of sizes) {
      const bareRuns = runs.get(key(bare, size)) ?? [];
      const caddyRuns = runs.get(key(caddyConfig, size)) ?? [];
      for (const configuration of configurations) {
        const list = runs.get(key(configuration, size)) ?? [];
        const perRound = (other: WrkResult[], f: (a: WrkResult, b: WrkResult) => number) =>
          median(list.map((run, i) => f(run, other[i] as WrkResult)));
        const figures = {
          rps: median(list.map((x) => x.requestsPerSecond)),
          xBare: perRound(bareRuns, (a, b) => a.requestsPerSecond / b.requestsPerSecond),
          xCaddy: perRound(caddyRuns, (a, b) => a.requestsPerSecond / b.requestsPerSecond),
          p50Plus: perRound(bareRuns, (a, b) => a.p50Ms - b.p50Ms),
        };
        byId.set(key(configuration, size), figures);
        rows.push({
          configuration: configuration.id,
          body: size.id,
          req_per_s: Math.round(figures.rps),
          p50_ms: round(median(list.map((x) => x.p50Ms)), 3),
          p99_ms: round(median(list.map((x) => x.p99Ms)), 3),
          x_bare_proxy: round(figures.xBare, 2),
          x_caddy: round(figures.xCaddy, 2),
          p50_vs_bare_ms: round(figures.p50Plus, 3),
          errors: list.reduce((sum, x) => sum + x.errors + x.non2xx, 0),
          rounds: list.length,
        });
      }
    }

    const cached = configurations.filter((c) => c.credential === 'cached');
    const targets: TargetCheck[] = [];
    for (const size of sizes) {
      const worst = (f: (x: { rps: number; xBare: number; xCaddy: number; p50Plus: number }) => number, pick: 'min' | 'max') => {
        const values = cached.map((c) => ({ id: c.id, value: f(byId.get(key(c, size))!) }));
        values.sort((a, b) => (pick === 'min' ? a.value - b.value : b.value - a.value));
        return values[0]!;
      };
      const xBare = worst((x) => x.xBare, 'min');
      const xCaddy = worst((x) => x.xCaddy, 'min');
      const p50 = worst((x) => x.p50Plus, 'max');
      targets.push(
        { what: `${size.id}: req/s vs bare http-proxy-3, worst cached credential (${xBare.id})`, target: '>= 0.90x', measured: `${fmt(xBare.value)}x`, met: xBare.value >= 0.9 },
        { what: `${size.id}: req/s vs Caddy cached basic_auth, worst cached credential (${xCaddy.id})`, target: '>= 1.00x', measured: `${fmt(xCaddy.value)}x`, met: xCaddy.value >= 1.0 },
        { what: `${size.id}: p50 added to bare http-proxy-3, worst cached credential (${p50.id})`, target: '<= +0.50 ms', measured: `${p50.value >= 0 ? '+' : ''}${fmt(p50.value, 3)} ms`, met: p50.value <= 0.5 },
      );
    }
    const cacheTtlSeconds = 300;
    const allowed = Math.max(1, Math.ceil(elapsedSeconds / cacheTtlSeconds));
    targets.push({
      what: `argon2 verifications for Basic user password over ${Math.round(elapsedSeconds)} s of load (photogate_password_verifications_total)`,
      target: `once per cache lifetime (${cacheTtlSeconds} s): <= ${allowed}`,
      measured: String(verifications),
      met: verifications <= allowed && verifications >= 1,
    });

    return {
      name: 'throughput',
      rows,
      targets,
      notes: [
        `wrk -t${threads} -c${connections}, ${plan.rounds} round(s) of ${plan.seconds} s per configuration and body size, ${plan.warmupSeconds} s warm-up; figures are medians over rounds, ratios medians of per-round ratios.`,
        'Every run was checked beforehand to answer 200 with the full body; "errors" counts socket errors and non-2xx answers during the runs.',
        `Caddy ${execVersion('caddy', ['version'])}, hash cache on (bcrypt, cost 14). Node ${process.versions.node}.`,
      ],
    };
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    rmSync(workDir, { recursive: true, force: true });
  }
};

function execVersion(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim().split(' ')[0] ?? '?';
  } catch {
    return '?';
  }
}
