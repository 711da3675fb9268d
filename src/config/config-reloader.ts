/**
 * Reloading the configuration of a running gateway (PRODUCT.md "operations"): on SIGHUP, and on
 * a change of the file when `watchConfig: true`, the file and the environment are read again as
 * at start. A valid configuration is swapped in (server.ts reload: a new gateway, atomic between
 * requests); an invalid one is refused with every problem and its key path in one log line, and
 * the running configuration keeps serving. Keys that need a restart are named. Each outcome is
 * counted (photogate_config_reloads_total). Pinned by test/integration/config-reload.test.ts.
 */
import { type StatWatcher, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../logger.js';
import { ConfigError, type LoadedConfig } from './load-config.js';
import type { Config } from './schema.js';

export type ReloadTrigger = 'SIGHUP' | 'file';

export interface ConfigReloaderDeps {
  /** Reads and validates the file and environment as `photogate start` did; throws ConfigError. */
  load(): LoadedConfig;
  apply(config: Readonly<Config>): { needsRestart: string[] };
  countReload(outcome: 'success' | 'failure'): void;
  logger: Logger;
}

export interface ConfigReloader {
  /** True when the new configuration is in force. */
  reload(trigger: ReloadTrigger): boolean;
  /** Reloads whenever `file` changes (polled: survives editors that replace the file). */
  watch(file: string, intervalMs?: number): void;
  close(): void;
}

export function createConfigReloader(deps: ConfigReloaderDeps): ConfigReloader {
  const { logger } = deps;
  let watched: { file: string; watcher: StatWatcher } | undefined;

  function reload(trigger: ReloadTrigger): boolean {
    let loaded: LoadedConfig;
    let needsRestart: string[];
    try {
      loaded = deps.load();
      ({ needsRestart } = deps.apply(loaded.config));
    } catch (error) {
      deps.countReload('failure');
      const problems = error instanceof ConfigError ? error.problems.flatMap((p) => p.split('\n').map((l) => l.trim())) : [String(error)];
      logger.error({ trigger, problems }, 'configuration reload refused; the running configuration keeps serving');
      return false;
    }
    deps.countReload('success');
    logger.info({ trigger, config: loaded.file ?? 'built-in defaults' }, 'configuration reloaded');
    if (needsRestart.length > 0) logger.warn({ keys: needsRestart }, `changed keys need a restart to apply: ${needsRestart.join(', ')}`);
    return true;
  }

  return {
    reload,
    watch(file, intervalMs = 1000) {
      const watcher = watchFile(file, { interval: intervalMs, persistent: false }, (now, before) => {
        if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) reload('file');
      });
      watched = { file, watcher };
    },
    close() {
      if (watched) unwatchFile(watched.file);
    },
  };
}
