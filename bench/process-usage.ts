/**
 * What a benchmarked process costs while a piece of work runs, read from /proc (Linux): its
 * resident memory (VmRSS), sampled, and the CPU time it used, so a section can say who the
 * machine's cores were busy for.
 */
import { readFileSync } from 'node:fs';

export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : Number.NaN;
}

/** User + system CPU seconds a process has used so far (/proc/PID/stat, clock ticks of 10 ms). */
export function readCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds the whole machine spent busy so far, from the first line of /proc/stat (user, nice,
 * system, irq, softirq; in clock ticks of 10 ms), and the seconds the hypervisor kept us waiting
 * (steal). Busy time the parties of a transfer do not account for is other work: other
 * processes, or the kernel handling loopback packets in softirq context outside any of them.
 */
export function readMachineCpuSeconds(): { busy: number; steal: number } {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / 100, steal: (steal ?? 0) / 100 };
}

/**
 * CPU seconds each party used while `work` ran: who the machine's two cores were busy for.
 * `proxy` is the process in the middle (photogate or a reference), absent for direct transfers;
 * `rest` is the machine's busy time none of the three used, `steal` the hypervisor's.
 */
export async function withCpuAccounting<T>(pids: { upstream: number; proxy: number | undefined }, work: () => Promise<T>) {
  const proxyCpu = () => (pids.proxy === undefined ? 0 : readCpuSeconds(pids.proxy));
  const before = { machine: readMachineCpuSeconds(), upstream: readCpuSeconds(pids.upstream), proxy: proxyCpu(), client: process.cpuUsage() };
  const result = await work();
  const client = process.cpuUsage(before.client);
  const upstream = readCpuSeconds(pids.upstream) - before.upstream;
  const proxy = proxyCpu() - before.proxy;
  const machine = readMachineCpuSeconds();
  const clientSeconds = (client.user + client.system) / 1e6;
  return {
    result,
    cpu: {
      upstream,
      proxy,
      client: clientSeconds,
      rest: Math.max(0, machine.busy - before.machine.busy - upstream - proxy - clientSeconds),
      steal: machine.steal - before.machine.steal,
    },
  };
}

/** Samples a process's RSS every 50 ms while `work` runs; resolves to the work's result and the peak growth. */
export async function withRssSampling<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; baseline: number; peak: number }> {
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
