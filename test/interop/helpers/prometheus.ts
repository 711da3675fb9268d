/**
 * Prometheus (Debian `prometheus`) on loopback with a config file, TSDB and client secret in the
 * test's temp dir, and its HTTP API for queries. It cannot report a port it picked itself, so it
 * gets a free one (retried when taken meanwhile); readiness requires its `/api/v1/status/flags`
 * to name our TSDB path, so an answer is from this Prometheus and no other.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { onFreePort, startDaemon } from '../../helpers/daemon.js';
import { tools } from './require-tool.js';

export interface Prometheus {
  url: string;
  /** An instant query; resolves to Prometheus's `data.result`. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  output(): string;
}

/** `config` is the YAML of prometheus.yml; `files` are written next to it first (secrets, 0600). */
export async function startPrometheus(t: Test, dir: string, config: string, files: Record<string, string> = {}): Promise<Prometheus> {
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content, { mode: 0o600 });
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, config);
  const tsdb = join(dir, 'tsdb');
  return onFreePort(async (port) => {
    const url = `http://127.0.0.1:${port}`;
    const daemon = await startDaemon(t, {
      name: 'prometheus',
      command: tools.prometheus.command,
      args: [`--config.file=${configFile}`, `--storage.tsdb.path=${tsdb}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      cwd: dir,
      readyTimeoutMs: 30_000,
      isReady: async () => {
        const flags = await fetch(`${url}/api/v1/status/flags`, { signal: AbortSignal.timeout(1_000) });
        const body = (await flags.json()) as { data?: Record<string, string> };
        if (body.data?.['storage.tsdb.path'] !== tsdb) return false;
        const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        await ready.arrayBuffer();
        return ready.ok;
      },
    });
    return {
      url,
      output: daemon.output,
      async query(promql) {
        const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(5_000) });
        const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        if (body.status !== 'success') throw new Error(`Prometheus query ${promql} failed: ${JSON.stringify(body)}`);
        return body.data.result;
      },
    };
  });
}
