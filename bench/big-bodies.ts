/**
 * Issue 6 point 5: a 1 GiB upload (PUT) and a 1 GiB download (GET) through the photogate process
 * and directly to the upstream, with the gateway's resident memory (VmRSS in /proc/PID/status)
 * sampled every 50 ms. Targets: memory growth under 64 MB, throughput at least 0.8x direct.
 *
 * No 1 GiB buffer or file exists anywhere: the client generates the upload from one 256 KiB
 * chunk with backpressure, the bench upstream counts and discards it, generates the download the
 * same way, and the client counts and discards that. Growth is the peak RSS during a transfer
 * minus the RSS just before it, after an 8 MiB warm-up each way. Transfers use Basic with an app
 * password on a WebDAV path (/originals), as rclone does. `--quick` moves 64 MiB instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Section, SectionResult, TargetCheck } from './bench-section.js';
import { startChild, stopChild, type StartedChild } from './child-processes.js';
import { drained } from './drained.js';
import { startPhotogate } from './photogate-process.js';
import { median, round } from './stats.js';

const chunk = Buffer.alloc(256 * 1024, 'u');
const MB = 1e6;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface Transfer {
  bytes: number;
  seconds: number;
}

function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : Number.NaN;
}

/** User + system CPU seconds a process has used so far (/proc/PID/stat, clock ticks of 10 ms). */
function readCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds each party used while `work` ran: who the machine's two cores were busy for. */
async function withCpuAccounting<T>(pids: { upstream: number; gateway: number }, work: () => Promise<T>) {
  const before = { upstream: readCpuSeconds(pids.upstream), gateway: readCpuSeconds(pids.gateway), client: process.cpuUsage() };
  const result = await work();
  const client = process.cpuUsage(before.client);
  return {
    result,
    cpu: {
      upstream: readCpuSeconds(pids.upstream) - before.upstream,
      gateway: readCpuSeconds(pids.gateway) - before.gateway,
      client: (client.user + client.system) / 1e6,
    },
  };
}

/** Samples a process's RSS every 50 ms while `work` runs; resolves to the work's result and the peak growth. */
async function withRssSampling<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; baseline: number; peak: number }> {
  if (pid === undefined) return { result: await work(), baseline: Number.NaN, peak: Number.NaN };
  const baseline = readRssBytes(pid);
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, readRssBytes(pid))), 50);
  try {
    const result = await work();
    peak = Math.max(peak, readRssBytes(pid));
    return { result, baseline, peak };
  } finally {
    clearInterval(timer);
  }
}

function download(url: string, headers: Record<string, string>, expected: number): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (part: Buffer) => (bytes += part.length));
      res.on('end', () => {
        if (res.statusCode !== 200 || bytes !== expected) reject(new Error(`download from ${url}: ${res.statusCode}, ${bytes} of ${expected} bytes`));
        else resolve({ bytes, seconds: (performance.now() - started) / 1000 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function upload(url: string, headers: Record<string, string>, size: number): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': size, 'content-type': 'application/octet-stream' }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (part: string) => (text += part));
      res.on('end', () => {
        const seconds = (performance.now() - started) / 1000;
        const received = res.statusCode === 200 ? (JSON.parse(text) as { bytes: number }).bytes : -1;
        if (received !== size) reject(new Error(`upload to ${url}: ${res.statusCode}, upstream received ${received} of ${size} bytes`));
        else resolve({ bytes: size, seconds });
      });
    });
    req.on('error', reject);
    void (async () => {
      let left = size;
      while (left > 0) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= part.length;
        if (!req.write(part)) await drained(req);
        if (req.destroyed) return;
      }
      req.end();
    })();
  });
}

export const bigBodies: Section = async ({ quick, log }): Promise<SectionResult> => {
  const size = quick ? 64 * MiB : 1024 * MiB;
  const rounds = quick ? 1 : 2;
  const workDir = mkdtempSync(join(tmpdir(), 'photogate-bench-big-'));
  const children: StartedChild[] = [];
  try {
    log(`big-bodies: ${size / MiB} MiB up and down, direct and through photogate, ${rounds} round(s)`);
    const upstream = await startChild('bench-upstream', process.execPath, [fileURLToPath(new URL('./bench-upstream.js', import.meta.url))], {
      readyPattern: /listening on (\S+)/,
    });
    children.push(upstream);
    const gateway = await startPhotogate(upstream.url, workDir, 'photogate-big-bodies');
    children.push(gateway.process);
    const auth = { authorization: gateway.basic(gateway.username, gateway.appPassword) };
    const targets = {
      direct: { base: upstream.url, headers: {} as Record<string, string>, pid: undefined as number | undefined },
      photogate: { base: gateway.url, headers: auth, pid: gateway.process.pid },
    };

    for (const target of Object.values(targets)) {
      await download(`${target.base}/originals/bytes/${8 * MiB}`, target.headers, 8 * MiB);
      await upload(`${target.base}/originals/warm-up.bin`, target.headers, 8 * MiB);
    }

    type Cpu = { upstream: number; gateway: number; client: number };
    const results: Record<string, { seconds: number[]; growth: number[]; baseline: number[]; cpu: Cpu[] }> = {};
    const pids = { upstream: upstream.pid, gateway: gateway.process.pid };
    for (let r = 0; r < rounds; r++) {
      for (const direction of ['download', 'upload'] as const) {
        for (const [name, target] of Object.entries(targets)) {
          const { result: sampled, cpu } = await withCpuAccounting(pids, () =>
            withRssSampling(target.pid, () =>
              direction === 'download'
                ? download(`${target.base}/originals/bytes/${size}`, target.headers, size)
                : upload(`${target.base}/originals/big-upload.bin`, target.headers, size),
            ),
          );
          const { result, baseline, peak } = sampled;
          const entry = (results[`${name}|${direction}`] ??= { seconds: [], growth: [], baseline: [], cpu: [] });
          entry.seconds.push(result.seconds);
          entry.growth.push(peak - baseline);
          entry.baseline.push(baseline);
          entry.cpu.push(cpu);
          const perGiB = (seconds: number) => (seconds / (size / GiB)).toFixed(2);
          log(
            `  ${direction.padEnd(8)} ${name.padEnd(9)} ${(size / MiB / result.seconds).toFixed(0).padStart(6)} MiB/s` +
              `  CPU s/GiB: upstream ${perGiB(cpu.upstream)}, gateway ${perGiB(cpu.gateway)}, client ${perGiB(cpu.client)}` +
              (target.pid ? `  RSS ${(baseline / MB).toFixed(1)} MB -> peak ${(peak / MB).toFixed(1)} MB` : ''),
          );
        }
      }
    }
    const cpuPerGiB = (list: Cpu[], party: keyof Cpu) => round(median(list.map((c) => c[party])) / (size / GiB), 2);

    const rows: SectionResult['rows'] = [];
    const checks: TargetCheck[] = [];
    for (const direction of ['download', 'upload'] as const) {
      const direct = results[`direct|${direction}`]!;
      const through = results[`photogate|${direction}`]!;
      const directMiBs = size / MiB / median(direct.seconds);
      const gatewayMiBs = size / MiB / median(through.seconds);
      const growthMB = Math.max(...through.growth) / MB;
      const ratio = median(through.seconds.map((s, i) => (direct.seconds[i] as number) / s));
      rows.push(
        {
          direction,
          path: 'direct',
          bytes: size,
          mib_per_s: round(directMiBs, 0),
          x_direct: 1,
          rss_before_mb: null,
          rss_growth_mb: null,
          cpu_s_per_gib_upstream: cpuPerGiB(direct.cpu, 'upstream'),
          cpu_s_per_gib_gateway: null,
          cpu_s_per_gib_client: cpuPerGiB(direct.cpu, 'client'),
        },
        {
          direction,
          path: 'photogate',
          bytes: size,
          mib_per_s: round(gatewayMiBs, 0),
          x_direct: round(ratio, 2),
          rss_before_mb: round(median(through.baseline) / MB, 1),
          rss_growth_mb: round(growthMB, 1),
          cpu_s_per_gib_upstream: cpuPerGiB(through.cpu, 'upstream'),
          cpu_s_per_gib_gateway: cpuPerGiB(through.cpu, 'gateway'),
          cpu_s_per_gib_client: cpuPerGiB(through.cpu, 'client'),
        },
      );
      checks.push(
        { what: `${direction} ${size / MiB} MiB: photogate RSS growth (largest over rounds)`, target: '< 64 MB', measured: `${growthMB.toFixed(1)} MB`, met: growthMB < 64 },
        { what: `${direction} ${size / MiB} MiB: photogate throughput vs direct`, target: '>= 0.80x', measured: `${ratio.toFixed(2)}x`, met: ratio >= 0.8 },
      );
    }
    return {
      name: 'big-bodies',
      rows,
      targets: checks,
      notes: [
        `${rounds} round(s); throughput is the median, the ratio the median of per-round ratios; RSS sampled every 50 ms from /proc/PID/status.`,
        'cpu_s_per_gib_*: CPU seconds (user + system) each process spent per GiB moved: the upstream and the bench client (this process) run on the same 2 cores as the gateway, so a transfer through the gateway has a third busy process.',
      ],
    };
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    rmSync(workDir, { recursive: true, force: true });
  }
};
