/**
 * Issue 6 point 5: a 1 GiB upload (PUT) and a 1 GiB download (GET) through the photogate process
 * and directly to the upstream, with the gateway's resident memory (VmRSS in /proc/PID/status)
 * sampled every 50 ms. Targets: memory growth under 64 MB, throughput at least 0.8x direct.
 *
 * The same transfers also go through three reference proxies, each its own process started in
 * the same run: the bare undici proxy, the bare http-proxy-3 proxy (both without auth) and Caddy
 * with basic_auth. They answer the question the target raises: is 0.8x direct reachable at all on
 * this machine, where the client, the proxy and the upstream share two cores? Their rows carry
 * the same fields; only photogate's figures are judged against the targets.
 *
 * No 1 GiB buffer or file exists anywhere: the client generates the upload from one 256 KiB
 * chunk with backpressure, the bench upstream counts and discards it, generates the download the
 * same way, and the client counts and discards that. Growth is the peak RSS during a transfer
 * minus the RSS just before it, after an 8 MiB warm-up each way. Transfers use Basic on a WebDAV
 * path (/originals), as rclone does: photogate's app password, Caddy's basic_auth account.
 * Paths are interleaved within each round and the order rotates between rounds. `--quick` moves
 * 64 MiB instead.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Section, SectionResult, TargetCheck } from './bench-section.js';
import { download, upload } from './big-body-client.js';
import { startCaddyBasicAuth } from './caddy-basic-auth.js';
import { startChild, stopChild, type StartedChild } from './child-processes.js';
import { startPhotogate } from './photogate-process.js';
import { withCpuAccounting, withRssSampling } from './process-usage.js';
import { median, round } from './stats.js';

const MB = 1e6;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface Path {
  name: string;
  base: string;
  headers: Record<string, string>;
  /** The process in the middle, whose RSS and CPU are measured; undefined for direct. */
  pid: number | undefined;
  /** A reference proxy (not judged against the targets), as opposed to direct and photogate. */
  reference: boolean;
}

type Cpu = { upstream: number; proxy: number; client: number; rest: number; steal: number };
interface Measured {
  seconds: number[];
  growth: number[];
  baseline: number[];
  cpu: Cpu[];
}

const benchScript = (name: string) => fileURLToPath(new URL(`./${name}.js`, import.meta.url));

async function startPaths(workDir: string, children: StartedChild[]): Promise<{ upstream: StartedChild; paths: Path[] }> {
  const upstream = await startChild('bench-upstream', process.execPath, [benchScript('bench-upstream')], { readyPattern: /listening on (\S+)/ });
  children.push(upstream);
  const [gateway, bareUndici, bareHttpProxy, caddy] = await Promise.all([
    startPhotogate(upstream.url, workDir, 'photogate-big-bodies'),
    startChild('bare-undici-proxy', process.execPath, [benchScript('bare-undici-proxy'), upstream.url], { readyPattern: /listening on (\S+)/ }),
    startChild('bare-http-proxy', process.execPath, [benchScript('bare-http-proxy'), upstream.url], { readyPattern: /listening on (\S+)/ }),
    startCaddyBasicAuth(upstream.url, workDir),
  ]);
  children.push(gateway.process, bareUndici, bareHttpProxy, caddy.process);
  const paths: Path[] = [
    { name: 'direct', base: upstream.url, headers: {}, pid: undefined, reference: false },
    { name: 'photogate', base: gateway.url, headers: { authorization: gateway.basic(gateway.username, gateway.appPassword) }, pid: gateway.process.pid, reference: false },
    { name: 'undici proxy (bare)', base: bareUndici.url, headers: {}, pid: bareUndici.pid, reference: true },
    { name: 'http-proxy-3 (bare)', base: bareHttpProxy.url, headers: {}, pid: bareHttpProxy.pid, reference: true },
    { name: 'caddy basic_auth', base: caddy.url, headers: { authorization: gateway.basic(caddy.username, caddy.password) }, pid: caddy.process.pid, reference: true },
  ];
  return { upstream, paths };
}

export const bigBodies: Section = async ({ quick, log }): Promise<SectionResult> => {
  const size = quick ? 64 * MiB : 1024 * MiB;
  const rounds = quick ? 1 : 2;
  const gib = size / GiB;
  const workDir = mkdtempSync(join(tmpdir(), 'photogate-bench-big-'));
  const children: StartedChild[] = [];
  try {
    log(`big-bodies: ${size / MiB} MiB up and down, direct, through photogate and through 3 reference proxies, ${rounds} round(s)`);
    const { upstream, paths } = await startPaths(workDir, children);

    // Also pays Caddy's one bcrypt verification (cost 14, about a second) before anything is timed.
    for (const path of paths) {
      await download(`${path.base}/originals/bytes/${8 * MiB}`, path.headers, 8 * MiB);
      await upload(`${path.base}/originals/warm-up.bin`, path.headers, 8 * MiB);
    }

    const results = new Map<string, Measured>();
    const key = (path: Path, direction: string) => `${path.name}|${direction}`;
    const perGiB = (seconds: number) => (seconds / gib).toFixed(2);
    for (let r = 0; r < rounds; r++) {
      const order = [...paths.slice(r % paths.length), ...paths.slice(0, r % paths.length)];
      for (const direction of ['download', 'upload'] as const) {
        for (const path of order) {
          const { result: sampled, cpu } = await withCpuAccounting({ upstream: upstream.pid, proxy: path.pid }, () =>
            withRssSampling(path.pid, () =>
              direction === 'download'
                ? download(`${path.base}/originals/bytes/${size}`, path.headers, size)
                : upload(`${path.base}/originals/big-upload.bin`, path.headers, size),
            ),
          );
          const { result, baseline, peak } = sampled;
          const entry = results.get(key(path, direction)) ?? { seconds: [], growth: [], baseline: [], cpu: [] };
          results.set(key(path, direction), entry);
          entry.seconds.push(result.seconds);
          entry.growth.push(peak - baseline);
          entry.baseline.push(baseline);
          entry.cpu.push(cpu);
          log(
            `  ${direction.padEnd(8)} ${path.name.padEnd(19)} ${(size / MiB / result.seconds).toFixed(0).padStart(6)} MiB/s` +
              `  CPU s/GiB: upstream ${perGiB(cpu.upstream)}, proxy ${perGiB(cpu.proxy)}, client ${perGiB(cpu.client)}` +
              (path.pid ? `  RSS ${(baseline / MB).toFixed(1)} MB -> peak ${(peak / MB).toFixed(1)} MB` : ''),
          );
        }
      }
    }

    const cpuPerGiB = (list: Cpu[], pick: (c: Cpu) => number) => round(median(list.map(pick)) / gib, 2);
    const rows: SectionResult['rows'] = [];
    const checks: TargetCheck[] = [];
    const notes: string[] = [
      `${rounds} round(s) of ${size / MiB} MiB; throughput is the median, x_direct the median of per-round ratios to the direct transfer of the same round; RSS sampled every 50 ms from /proc/PID/status, rss_growth_mb the largest over rounds.`,
      'cpu_s_per_gib_*: CPU seconds (user + system) each process spent per GiB moved; "gateway" is the process in the middle (photogate or the reference proxy), "client" this bench process; total is their sum (median over rounds).',
      `references: bare undici and bare http-proxy-3 proxies (Node ${process.versions.node}, no auth), Caddy ${caddyVersion()} with basic_auth (hash cache on) and reverse_proxy on its defaults (no request or response buffering configured; the last note checks that it streamed).`,
    ];
    for (const direction of ['download', 'upload'] as const) {
      const direct = results.get(key(paths[0]!, direction))!;
      const directMiBs = size / MiB / median(direct.seconds);
      const byPath = paths.map((path) => {
        const measured = results.get(key(path, direction))!;
        const ratio = median(measured.seconds.map((s, i) => (direct.seconds[i] as number) / s));
        const totalCpu = cpuPerGiB(measured.cpu, (c) => c.upstream + c.proxy + c.client);
        return { path, measured, ratio, totalCpu, growthMB: path.pid === undefined ? Number.NaN : Math.max(...measured.growth) / MB };
      });
      for (const { path, measured, ratio, totalCpu, growthMB } of byPath) {
        const inMiddle = path.pid !== undefined;
        rows.push({
          direction,
          path: path.name,
          bytes: size,
          mib_per_s: round(size / MiB / median(measured.seconds), 0),
          x_direct: round(ratio, 2),
          rss_before_mb: inMiddle ? round(median(measured.baseline) / MB, 1) : null,
          rss_growth_mb: inMiddle ? round(growthMB, 1) : null,
          cpu_s_per_gib_upstream: cpuPerGiB(measured.cpu, (c) => c.upstream),
          cpu_s_per_gib_gateway: inMiddle ? cpuPerGiB(measured.cpu, (c) => c.proxy) : null,
          cpu_s_per_gib_client: cpuPerGiB(measured.cpu, (c) => c.client),
          cpu_s_per_gib_total: totalCpu,
        });
      }

      const photogate = byPath.find((x) => x.path.name === 'photogate')!;
      checks.push(
        { what: `${direction} ${size / MiB} MiB: photogate RSS growth (largest over rounds)`, target: '< 64 MB', measured: `${photogate.growthMB.toFixed(1)} MB`, met: photogate.growthMB < 64 },
        { what: `${direction} ${size / MiB} MiB: photogate throughput vs direct`, target: '>= 0.80x', measured: `${photogate.ratio.toFixed(2)}x`, met: photogate.ratio >= 0.8 },
      );

      const best = byPath.filter((x) => x.path.reference).sort((a, b) => b.ratio - a.ratio)[0]!;
      notes.push(
        `${direction}: ceiling on this machine: best reference ${best.ratio.toFixed(2)}x direct (${best.path.name}); ${best.ratio >= 0.8 ? 'so 0.80x is reachable here' : 'no reference reaches 0.80x here'}` +
          // 64 MiB pass in tens of milliseconds, a few scheduler slices and CPU-clock ticks.
          (quick ? ' (--quick: a smoke run, too short to judge the ceiling by).' : '.'),
        // The machine has 2 CPU-seconds per second; a transfer costing T CPU-s per GiB in total can
        // therefore move at most 2/T GiB/s, whichever process the time is spent in.
        `${direction}: total CPU s/GiB (upstream + proxy + client) vs the 2 CPU-s per second the machine has, i.e. at most 2/total GiB/s even with both cores busy all the time: ` +
          byPath
            .map((x) => {
              const boundMiBs = (2 / x.totalCpu) * 1024;
              return `${x.path.name} ${x.totalCpu.toFixed(2)} (<= ${Math.round(boundMiBs)} MiB/s = ${(boundMiBs / directMiBs).toFixed(2)}x direct)`;
            })
            .join(', ') +
          '.',
        // CPU seconds over wall seconds: the share of one core each process kept busy. A Node
        // process moves bytes on its main thread, so one near 1.0 is the one the transfer waits for.
        `${direction}: cores kept busy (CPU s / wall s, median over rounds; a Node process moves bytes on one thread, so it tops out near 1.0 plus what V8's background GC threads add; ` +
          'rest: other processes and kernel work outside the three, steal: time the hypervisor took): ' +
          byPath
            .map(({ path, measured }) => {
              const busy = (pick: (c: Cpu) => number) => median(measured.cpu.map((c, i) => pick(c) / (measured.seconds[i] as number))).toFixed(2);
              const proxy = path.pid === undefined ? '' : `, proxy ${busy((c) => c.proxy)}`;
              return `${path.name} upstream ${busy((c) => c.upstream)}${proxy}, client ${busy((c) => c.client)}, rest ${busy((c) => c.rest)}, steal ${busy((c) => c.steal)}`;
            })
            .join('; ') +
          '.',
      );
    }
    // A proxy that buffered the body would grow by about its size; Caddy is the one whose
    // buffering is configurable, so the run says whether it streamed rather than assuming it.
    const caddyGrowthMB = Math.max(...rows.filter((row) => row.path === 'caddy basic_auth').map((row) => row.rss_growth_mb as number));
    notes.push(
      caddyGrowthMB * MB < size / 4
        ? `Caddy streamed both ways: its RSS grew by at most ${caddyGrowthMB.toFixed(1)} MB for a ${size / MiB} MiB body.`
        : `Caddy's RSS grew by ${caddyGrowthMB.toFixed(1)} MB for a ${size / MiB} MiB body: it may have buffered it; its figures are suspect.`,
    );
    return { name: 'big-bodies', rows, targets: checks, notes };
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    rmSync(workDir, { recursive: true, force: true });
  }
};

function caddyVersion(): string {
  try {
    return execFileSync('caddy', ['version'], { encoding: 'utf8' }).trim().split(' ')[0] ?? '?';
  } catch {
    return '?';
  }
}
