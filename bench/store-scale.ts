/**
 * Issue 6 points 4 and 6: the store at 1,000, 10,000 and 100,000 tokens and app passwords.
 *
 * For each size a store file is written directly (half app passwords of 100 users, half
 * client_credentials tokens of one client, 10% of all expired), as photogate leaves it after a
 * compaction. Then:
 * - a real gateway process (`dist/src/main.js start` with the launcher's Node options): start-up (spawn to `listening on`, and the
 *   CPU time it took, which a busy machine does not inflate), its resident memory (VmRSS after
 *   start and after issuing, peak VmHWM, from /proc/PID/status), and token issuance through its
 *   real HTTP token endpoint (client_credentials over keep-alive connections, 1, 8 and 32 clients
 *   at a time): p50, p99 and tokens a second. Every answer is a token durably stored.
 * - the store alone in a process of its own (openFileStore), with a 1 ms interval timer watching
 *   the event loop: load time; then 32 concurrent writers; reloading writes another process
 *   makes; purging the expired tokens; a compaction; another process revoking every token
 *   (`auth reset`). For each, the longest time the event loop was kept busy between two turns
 *   of a 1 ms timer (watchEventLoop), the figure judged, beside the raw longest gap and the most
 *   CPU used within one gap.
 *
 *   node dist/bench/store-scale.js [--quick]      the section alone, printing its JSON
 *
 * `--quick`: 100,000 tokens only, half-second phases, no run on Node's defaults. Targets are reported, not asserted.
 */
import { spawn } from 'node:child_process';
import { hash, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { systemClock } from '../src/clock.js';
import { DurableJsonFile } from '../src/store/durable-json-file.js';
import { openFileStore } from '../src/store/file-store.js';
import type { StoreData, TokenRecord, UserRecord } from '../src/store/records.js';
import type { Section, SectionResult, TargetCheck } from './bench-section.js';
import { adoptChild, startChild, stopChild } from './child-processes.js';
import { launcherNodeFlags, photogateMain } from './photogate-process.js';
import { round } from './stats.js';

const clientId = 'bench-client';
const clientSecret = 'bench-client-secret-0123456789abcdef';
/** In-process writers. */
const concurrency = 32;
/**
 * Concurrent token clients: one (each token its own disk write), 8 and 32 (group commit). By
 * Little's law latency = clients / rate, so the targets (p50 < 5 ms and >= 500 a second, both at
 * once) are judged on one run, the 8-client one; the others show the trade.
 */
const issuingClients = [1, 8, 32];
const judgedClients = 8;
const expiredShare = 0.1;
const MB = 1e6;
const thisScript = fileURLToPath(import.meta.url);

interface Plan {
  sizes: number[];
  issueSeconds: number;
  writeSeconds: number;
  reloadWrites: number;
  /** Repeat the largest store with the young generation capped. */
  defaultsRun: boolean;
}

interface Block {
  /** The longest gap between two timer turns. */
  wallMs: number;
  /** The most CPU the process used within one gap. */
  cpuMs: number;
  /** The longest gap counting only time the process was busy: max over gaps of min(gap, CPU). */
  busyMs: number;
}

/** The store file for `count` tokens; 10% of them expired at `nowSeconds`. */
export function storeData(count: number, nowSeconds: number): StoreData {
  const passwordHash = '$argon2id$v=19$m=65536,t=3,p=4$YmVuY2hzYWx0YmVuY2g$YmVuY2hoYXNoYmVuY2hoYXNoYmVuY2hoYXNoYmVuY2g';
  const users: UserRecord[] = Array.from({ length: 100 }, (_, i) => ({
    username: `user${i}`,
    role: i === 0 ? 'admin' : 'user',
    webdav: true,
    passwordHash,
    createdAt: nowSeconds - 86_400,
    updatedAt: nowSeconds - 86_400,
  }));
  const salt = randomBytes(8).toString('hex');
  const tokens: TokenRecord[] = [];
  for (let i = 0; i < count; i++) {
    const app = i % 2 === 0;
    tokens.push({
      id: `sess${i.toString(36).padStart(8, '0')}`,
      digest: hash('sha256', `${salt}:${i}`),
      kind: app ? 'app_password' : 'access_token',
      name: app ? `device ${i}` : 'bench',
      username: app ? `user${i % 100}` : null,
      clientId: app ? null : clientId,
      scope: app ? 'webdav' : 'metrics',
      grantType: app ? 'cli' : 'client_credentials',
      createdAt: nowSeconds - 3_600,
      expiresAt: i % Math.round(1 / expiredShare) === 1 ? nowSeconds - 60 : nowSeconds + 86_400,
      familyId: null,
      usedAt: null,
    });
  }
  return {
    version: 1,
    journal: { id: randomBytes(16).toString('hex'), seq: 0 },
    users,
    clients: [
      {
        clientId,
        name: 'bench',
        role: 'client',
        scope: 'metrics',
        secretDigest: hash('sha256', clientSecret),
        username: null,
        tokenTtlSeconds: 3_600,
        tokenLimit: -1,
        enabled: true,
        redirectUris: [],
        createdAt: nowSeconds - 86_400,
        updatedAt: nowSeconds - 86_400,
      },
    ],
    tokens,
    grants: [],
    signingKeys: [],
  };
}

/**
 * Watches the event loop with a 1 ms timer. Per gap between two turns it takes the wall-clock
 * length and the CPU the process (all threads) used meanwhile. On a machine others load, a gap
 * is also long when the process simply was not scheduled (CPU below the gap); a garbage
 * collection works on helper threads in parallel (CPU above the gap). The smaller of the two is
 * the time the process itself kept the loop busy; the largest such figure is the one judged.
 */
function watchEventLoop(): { stop(): Block } {
  let last = performance.now();
  let lastCpu = processCpuMs();
  const worst: Block = { wallMs: 0, cpuMs: 0, busyMs: 0 };
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = processCpuMs();
    const gap = now - last - 1;
    const used = cpu - lastCpu;
    worst.wallMs = Math.max(worst.wallMs, gap);
    worst.cpuMs = Math.max(worst.cpuMs, used);
    worst.busyMs = Math.max(worst.busyMs, Math.min(gap, used));
    last = now;
    lastCpu = cpu;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return { wallMs: round(Math.max(0, worst.wallMs), 1), cpuMs: round(worst.cpuMs, 1), busyMs: round(Math.max(0, worst.busyMs), 1) };
    },
  };
}

function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function memoryOf(pid: number): { rssMB: number; peakMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rssMB: round((kb('VmRSS') * 1024) / MB, 0), peakMB: round((kb('VmHWM') * 1024) / MB, 0) };
}

/** CPU time a process has used so far (all threads), from /proc/PID/stat, in ms. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

interface Issued {
  clients: number;
  p50: number;
  p99: number;
  perSecond: number;
  count: number;
}

/** client_credentials through the real token endpoint, `clients` at a time for `seconds`. */
async function issueTokens(url: string, clients: number, seconds: number): Promise<Issued> {
  const pool = new Pool(url, { connections: clients });
  const headers = {
    authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  const issueOne = async () => {
    const started = performance.now();
    const res = await pool.request({ path: '/api/v1/oauth/token', method: 'POST', headers, body: 'grant_type=client_credentials' });
    const body = (await res.body.json()) as { access_token?: string };
    if (res.statusCode !== 200 || !body.access_token) throw new Error(`token endpoint answered ${res.statusCode}`);
    return performance.now() - started;
  };
  try {
    const warmUntil = performance.now() + Math.min(200, seconds * 200);
    await Promise.all(Array.from({ length: clients }, async () => {
      while (performance.now() < warmUntil) await issueOne();
    }));
    const latencies: number[] = [];
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (performance.now() < until) latencies.push(await issueOne());
    }));
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return { clients, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), perSecond: latencies.length / elapsed, count: latencies.length };
  } finally {
    await pool.close();
  }
}

/** The gateway as users run it, on this store: start-up, memory, issuance. */
async function measureGateway(storePath: string, workDir: string, plan: Plan, nodeFlags: readonly string[]) {
  const started = performance.now();
  const gateway = await startChild(
    'photogate-store-scale',
    process.execPath,
    [...nodeFlags, photogateMain, 'start', '--listen', '127.0.0.1:0', '--upstream', 'http://127.0.0.1:9', '--store', storePath],
    {
      readyPattern: /listening on (http:\/\/\S+)/,
      cwd: workDir,
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PHOTOGATE_') && key !== 'NODE_OPTIONS')),
      stderrFd: openSync(join(workDir, 'photogate.log'), 'a'),
      timeoutMs: 60_000,
    },
  );
  try {
    const startMs = performance.now() - started;
    const startCpuMs = cpuMsOf(gateway.pid);
    const afterStart = memoryOf(gateway.pid);
    const issued: Issued[] = [];
    for (const clients of issuingClients) issued.push(await issueTokens(gateway.url, clients, plan.issueSeconds));
    const afterLoad = memoryOf(gateway.pid);
    return { startMs, startCpuMs, afterStart, afterLoad, issued };
  } finally {
    await stopChild(gateway);
  }
}

type StoreFigures = Awaited<ReturnType<typeof measureStore>>;

/**
 * The store alone in a fresh process (a heap holding only the store, as the gateway's does, not
 * this benchmark's leftovers): load, then the event loop's longest block during each kind of work.
 */
function measureStoreInChild(storePath: string, nowSeconds: number, plan: Plan, nodeFlags: readonly string[]): Promise<StoreFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, thisScript, '--store', storePath, String(nowSeconds), JSON.stringify(plan)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    adoptChild('store alone', child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as StoreFigures);
      else reject(new Error(`store measurement exited ${code}: ${stderr}`));
    });
  });
}

async function measureStore(storePath: string, nowSeconds: number, plan: Plan) {
  const loadStarted = performance.now();
  const loadCpu = processCpuMs();
  const store = await openFileStore({ path: storePath, clock: systemClock, compactMinBytes: 2 ** 40 });
  const loadMs = performance.now() - loadStarted;
  const loadCpuMs = processCpuMs() - loadCpu;
  try {
    let written = 0;
    const writeFor = async (seconds: number, prefix: string) => {
      const until = performance.now() + seconds * 1000;
      await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = 0; performance.now() < until; i++) {
          await store.addToken(benchToken(`${prefix}${worker}x${i}`, nowSeconds));
          written++;
        }
      }));
    };
    // The first writes after a load meet V8's first garbage collections, which promote the
    // records just loaded out of the young generation: reported apart from steady writes.
    let watch = watchEventLoop();
    await writeFor(0.3, 'first');
    const firstWrites = watch.stop();

    watch = watchEventLoop();
    await writeFor(plan.writeSeconds, 'w');
    const writes = watch.stop();

    watch = watchEventLoop();
    await runOtherProcess(storePath, ['--writer', String(plan.reloadWrites)]);
    await store.refresh();
    const reload = watch.stop();

    watch = watchEventLoop();
    const purgeStarted = performance.now();
    const purged = await store.removeExpiredTokens(nowSeconds);
    const purgeMs = performance.now() - purgeStarted;
    const purge = watch.stop();

    watch = watchEventLoop();
    const compactStarted = performance.now();
    await store.compact();
    const compactMs = performance.now() - compactStarted;
    const compaction = watch.stop();

    // Last, as it empties the store: another process revokes every token (`auth reset`), which
    // it writes in batches; this process takes them in.
    const revoked = (await store.listTokens()).length;
    await runOtherProcess(storePath, ['--reset']);
    watch = watchEventLoop();
    const revokeStarted = performance.now();
    await store.refresh();
    const revokeMs = performance.now() - revokeStarted;
    const bulkRevoke = watch.stop();
    return { loadMs, loadCpuMs, written, firstWrites, writes, reload, purged, purgeMs, purge, compactMs, compaction, revoked, revokeMs, bulkRevoke };
  } finally {
    await store.close();
  }
}

function benchToken(id: string, nowSeconds: number): TokenRecord {
  return {
    id,
    digest: hash('sha256', `${id}:${Math.random()}`),
    kind: 'access_token',
    name: 'bench',
    username: null,
    clientId,
    scope: 'metrics',
    grantType: 'client_credentials',
    createdAt: nowSeconds,
    expiresAt: nowSeconds + 3_600,
    familyId: null,
    usedAt: null,
  };
}

/** Another process, as the CLI would: `--writer N` adds N tokens one at a time, `--reset` revokes them all. */
function runOtherProcess(storePath: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [thisScript, args[0] as string, storePath, ...args.slice(1)], { stdio: ['ignore', 'ignore', 'pipe'] });
    adoptChild('store writer', child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}

async function resetter(storePath: string): Promise<void> {
  const store = await openFileStore({ path: storePath, clock: systemClock, watch: false, compactMinBytes: 2 ** 40 });
  await store.resetTokens();
  await store.close();
}

async function writer(storePath: string, count: number): Promise<void> {
  const store = await openFileStore({ path: storePath, clock: systemClock, watch: false, compactMinBytes: 2 ** 40 });
  const nowSeconds = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) await store.addToken(benchToken(`other${i}x${randomBytes(4).toString('hex')}`, nowSeconds));
  await store.close();
}

/** Node's own defaults, without the launcher's options: the comparison row. */
const nodeDefaults: readonly string[] = [];

interface SizeFigures {
  size: number;
  nodeFlags: readonly string[];
  gateway: Awaited<ReturnType<typeof measureGateway>>;
  store: StoreFigures;
}

async function measureSize(
  size: number,
  nodeFlags: readonly string[],
  plan: Plan,
  workDir: string,
  log: (line: string) => void,
): Promise<SizeFigures> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const gatewayStore = join(workDir, `gateway-${size}.json`);
  const built = performance.now();
  await new DurableJsonFile(gatewayStore).write(storeData(size, nowSeconds));
  const localStore = join(workDir, `local-${size}.json`);
  await copyFile(gatewayStore, localStore);
  const label = `  ${size} tokens (node ${nodeFlags.join(' ') || "without the launcher's options"})`;
  log(`${label}: store file written in ${Math.round(performance.now() - built)} ms`);
  try {
    const gateway = await measureGateway(gatewayStore, workDir, plan, nodeFlags);
    log(
      `${label}: gateway started in ${Math.round(gateway.startMs)} ms (${Math.round(gateway.startCpuMs)} ms CPU), RSS ${gateway.afterStart.rssMB} MB, ` +
        `peak ${gateway.afterLoad.peakMB} MB; ` +
        gateway.issued.map((i) => `${i.clients} clients: ${Math.round(i.perSecond)} tokens/s, p50 ${i.p50.toFixed(1)} ms`).join('; '),
    );
    const store = await measureStoreInChild(localStore, nowSeconds, plan, nodeFlags);
    log(
      `${label}: store load ${Math.round(store.loadMs)} ms; longest block (busy/wall/cpu ms): ` +
        (['firstWrites', 'writes', 'reload', 'purge', 'compaction', 'bulkRevoke'] as const)
          .map((phase) => `${phase} ${store[phase].busyMs}/${store[phase].wallMs}/${store[phase].cpuMs}`)
          .join(', '),
    );
    return { size, nodeFlags, gateway, store };
  } finally {
    rmSync(gatewayStore, { force: true });
    rmSync(`${gatewayStore}.journal`, { force: true });
    rmSync(localStore, { force: true });
    rmSync(`${localStore}.journal`, { force: true });
  }
}

function rowOf({ size, nodeFlags, gateway, store }: SizeFigures): SectionResult['rows'][number] {
  return {
    tokens: size,
    node_flags: nodeFlags.join(' ') || null,
    start_ms: round(gateway.startMs, 0),
    start_cpu_ms: round(gateway.startCpuMs, 0),
    rss_mb: gateway.afterStart.rssMB,
    rss_after_issue_mb: gateway.afterLoad.rssMB,
    peak_rss_mb: gateway.afterLoad.peakMB,
    ...Object.fromEntries(
      gateway.issued.flatMap((i) => [
        [`issue_c${i.clients}_per_s`, round(i.perSecond, 0)],
        [`issue_c${i.clients}_p50_ms`, round(i.p50, 2)],
        [`issue_c${i.clients}_p99_ms`, round(i.p99, 2)],
      ]),
    ),
    load_ms: round(store.loadMs, 0),
    load_cpu_ms: round(store.loadCpuMs, 0),
    first_writes_block_ms: store.firstWrites.busyMs,
    first_writes_gap_ms: store.firstWrites.wallMs,
    writes_block_ms: store.writes.busyMs,
    writes_gap_ms: store.writes.wallMs,
    writes_gap_cpu_ms: store.writes.cpuMs,
    reload_block_ms: store.reload.busyMs,
    reload_gap_ms: store.reload.wallMs,
    reload_gap_cpu_ms: store.reload.cpuMs,
    purged: store.purged,
    purge_ms: round(store.purgeMs, 0),
    purge_block_ms: store.purge.busyMs,
    purge_gap_ms: store.purge.wallMs,
    purge_gap_cpu_ms: store.purge.cpuMs,
    compact_ms: round(store.compactMs, 0),
    compact_block_ms: store.compaction.busyMs,
    compact_gap_ms: store.compaction.wallMs,
    compact_gap_cpu_ms: store.compaction.cpuMs,
    revoked: store.revoked,
    revoke_ms: round(store.revokeMs, 0),
    revoke_block_ms: store.bulkRevoke.busyMs,
    revoke_gap_ms: store.bulkRevoke.wallMs,
    revoke_gap_cpu_ms: store.bulkRevoke.cpuMs,
  };
}

export const storeScale: Section = async ({ quick, log }): Promise<SectionResult> => {
  const plan: Plan = quick
    ? { sizes: [100_000], issueSeconds: 0.5, writeSeconds: 0.5, reloadWrites: 20, defaultsRun: false }
    : { sizes: [1_000, 10_000, 100_000], issueSeconds: 1.5, writeSeconds: 1.5, reloadWrites: 100, defaultsRun: true };
  const workDir = mkdtempSync(join(tmpdir(), 'photogate-store-scale-'));
  const rows: SectionResult['rows'] = [];
  let largest: SizeFigures | undefined;
  const launcherFlags = launcherNodeFlags();
  try {
    for (const size of plan.sizes) {
      largest = await measureSize(size, launcherFlags, plan, workDir, log);
      rows.push(rowOf(largest));
    }
    // The same largest store once more on Node's defaults, to show what the launcher's option buys.
    const largestSize = plan.sizes.at(-1);
    if (plan.defaultsRun && largestSize !== undefined) rows.push(rowOf(await measureSize(largestSize, nodeDefaults, plan, workDir, log)));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const targets: TargetCheck[] = [];
  if (largest) {
    const { size, gateway, store } = largest;
    const at = `${size.toLocaleString('en-US')} tokens`;
    const judged = gateway.issued.find((i) => i.clients === judgedClients) as Issued;
    const block = (what: string, measured: Block) => ({
      what: `${at}: longest event-loop block during ${what} (busy time; longest wall-clock gap ${measured.wallMs} ms, most CPU in a gap ${measured.cpuMs} ms)`,
      target: '<= 10 ms',
      measured: `${measured.busyMs} ms`,
      met: measured.busyMs <= 10,
    });
    targets.push(
      {
        what: `${at}: token issuance p50 (HTTP token endpoint, ${judgedClients} concurrent clients)`,
        target: '< 5 ms',
        measured: `${judged.p50.toFixed(2)} ms`,
        met: judged.p50 < 5,
      },
      {
        what: `${at}: tokens issued a second (same run)`,
        target: '>= 500',
        measured: `${Math.round(judged.perSecond)}`,
        met: judged.perSecond >= 500,
      },
      {
        what: `${at}: gateway start-up (spawn to listening; it used ${(gateway.startCpuMs / 1000).toFixed(2)} s of CPU)`,
        target: '< 2 s',
        measured: `${(gateway.startMs / 1000).toFixed(2)} s`,
        met: gateway.startMs < 2000,
      },
      {
        what: `${at}: gateway memory (peak RSS, after start and issuance)`,
        target: '< 200 MB',
        measured: `${gateway.afterLoad.peakMB} MB`,
        met: gateway.afterLoad.peakMB < 200,
      },
      block('the first 0.3 s of writes after loading (V8 promotes the loaded records out of its young generation then, once per start)', store.firstWrites),
      block('writes (after the first 0.3 s)', store.writes),
      block("reloading another process's writes", store.reload),
      block(`the purge of ${store.purged} expired tokens`, store.purge),
      block('a compaction', store.compaction),
      block(`another process's auth reset of all ${store.revoked.toLocaleString('en-US')} tokens (written in batches of 2,000)`, store.bulkRevoke),
    );
  }
  return {
    name: 'store-scale',
    rows,
    targets,
    notes: [
      'Gateway figures are from a real photogate start process (RSS from /proc/PID/status); load and event-loop figures from the store alone in a process of its own.',
      `Targets are judged on photogate as launched (node ${launcherFlags.join(' ')}: npm start and the Docker image)${plan.defaultsRun ? "; the last row repeats the largest store on Node's defaults (a young generation growing to 2 x 64 MiB: more memory, longer garbage-collection pauses)" : ''}.`,
      `Event-loop blocks: a 1 ms interval timer; per gap between turns, its length and the CPU the process (all threads) used within it; *_block_ms = the longest gap counting only busy time, max(min(gap, CPU)): a late timer on a loaded machine is not store work, and a garbage collection's helper threads add CPU without adding to the gap. *_gap_ms and *_gap_cpu_ms are the raw maxima. Load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.`,
    ],
  };
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--writer') return writer(args[1] as string, Number(args[2]));
  if (args[0] === '--reset') return resetter(args[1] as string);
  if (args[0] === '--store') {
    const figures = await measureStore(args[1] as string, Number(args[2]), JSON.parse(args[3] as string) as Plan);
    process.stdout.write(JSON.stringify(figures));
    return;
  }
  const result = await storeScale({ quick: args.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[1] === thisScript) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
