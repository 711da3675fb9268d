/**
 * One wrk run (Debian `wrk`; HAZARDS H16: it costs less than half autocannon's CPU per request on
 * this 2-core machine). wrk's own text output rounds latencies and hides percentiles without
 * `--latency`, so a Lua `done` hook prints one JSON line with exact counts and microsecond
 * percentiles, which is what we parse.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adoptChild } from './child-processes.js';

export interface WrkOptions {
  url: string;
  headers?: Readonly<Record<string, string>>;
  connections: number;
  threads: number;
  durationSeconds: number;
  /** A directory for the Lua script. */
  workDir: string;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors and non-2xx/3xx answers: a configuration that fails fast must not look fast. */
  errors: number;
  non2xx: number;
}

const reportScript = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

interface WrkJson {
  requests: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50_us: number;
  p99_us: number;
}

export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const script = join(options.workDir, 'wrk-report.lua');
  writeFileSync(script, reportScript);
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    options.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    adoptChild('wrk', child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', (error) => reject(new Error(`wrk could not be started (apt-get install wrk): ${error.message}`)));
    child.once('exit', (code) => {
      const line = /WRK_JSON (\{.*\})/.exec(out);
      if (code !== 0 || !line) {
        reject(new Error(`wrk failed (${code}) on ${options.url}:\n${out}`));
        return;
      }
      const json = JSON.parse(line[1] as string) as WrkJson;
      const seconds = json.duration_us / 1e6;
      resolve({
        requests: json.requests,
        seconds,
        requestsPerSecond: json.requests / seconds,
        p50Ms: json.p50_us / 1000,
        p99Ms: json.p99_us / 1000,
        errors: json.connect + json.read + json.write + json.timeout,
        non2xx: json.status,
      });
    });
  });
}
