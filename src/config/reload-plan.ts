/**
 * What a reload may change: the new configuration, except the keys a running gateway cannot
 * change (marked `x-restart` in config/schema.ts: listen, store, cache, rateLimits, connection
 * limits, watchConfig), which keep their old value and are named so the log can say a restart is
 * needed for them. One list, the schema's, decides both this and docs/configuration.md.
 */
import { isDeepStrictEqual } from 'node:util';
import { restartKeys } from './config-json-schema.js';
import type { Config } from './schema.js';

export interface ReloadPlan {
  /** The configuration to run: the new one, with restart-only keys as they were. */
  config: Config;
  /** Dotted keys whose new value differs and waits for a restart. */
  needsRestart: string[];
}

let restartPaths: readonly string[][] | undefined;

function at(config: unknown, path: readonly string[]): unknown {
  let node = config;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  return node;
}

export function planReload(current: Readonly<Config>, next: Readonly<Config>): ReloadPlan {
  restartPaths ??= restartKeys().map((key) => key.split('.'));
  const config = structuredClone(next) as Config;
  const needsRestart: string[] = [];
  for (const path of restartPaths) {
    const old = at(current, path);
    if (isDeepStrictEqual(old, at(next, path))) continue;
    needsRestart.push(path.join('.'));
    const parent = at(config, path.slice(0, -1)) as Record<string, unknown>;
    const key = path[path.length - 1] as string;
    if (old === undefined) delete parent[key];
    else parent[key] = structuredClone(old);
  }
  return { config, needsRestart };
}
