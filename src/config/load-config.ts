/**
 * Where the configuration comes from, in order of precedence: flags of `photogate start`, the
 * PHOTOGATE_* environment variables, the YAML file (--config, else PHOTOGATE_CONFIG, else
 * ./photogate.yaml when it exists), the built-in defaults. Every problem is collected with its
 * key path; nothing is half-loaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema } from './schema.js';

export interface ConfigOverrides {
  listen?: string | undefined;
  upstream?: string | undefined;
  store?: string | undefined;
  publicUrl?: string | undefined;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** The file read, or undefined when running on the built-in defaults. */
  file: string | undefined;
}

/** Thrown with every problem found; `problems` are `key.path: message` lines. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function findConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit) return explicit;
  if (env.PHOTOGATE_CONFIG) return env.PHOTOGATE_CONFIG;
  return existsSync('photogate.yaml') ? 'photogate.yaml' : undefined;
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? error}`]);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  return doc.toJS() ?? {};
}

export function isPostgresUrl(value: string | undefined): boolean {
  return value !== undefined && /^postgres(ql)?:\/\//.test(value);
}

function set(target: Record<string, unknown>, path: readonly string[], value: string | undefined): void {
  if (value === undefined || value === '') return;
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${path === '(top level)' ? '' : `${path}.`}${k}: unknown key`).join('\n  ');
    }
    return `${path}: ${issue.message}`;
  });
}

export function loadConfig(
  options: { file?: string | undefined; overrides?: ConfigOverrides; env?: NodeJS.ProcessEnv } = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  const file = findConfigFile(options.file, env);
  const raw = file === undefined ? {} : readConfigFile(file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file ?? 'defaults', ['(top level): expected a mapping of keys']);
  }
  const input = structuredClone(raw) as Record<string, unknown>;
  const o = options.overrides ?? {};
  set(input, ['listen'], o.listen ?? env.PHOTOGATE_LISTEN);
  set(input, ['upstream', 'url'], o.upstream ?? env.PHOTOGATE_UPSTREAM);
  // --store and PHOTOGATE_STORE take a file or a postgres:// URL; PHOTOGATE_STORE_URL only a URL.
  const storeArgument = o.store ?? env.PHOTOGATE_STORE;
  set(input, ['store', isPostgresUrl(storeArgument) ? 'url' : 'path'], storeArgument);
  if (o.store !== undefined && !isPostgresUrl(o.store)) {
    // --store FILE names the file store, whatever the file or the environment say.
    delete (input.store as { url?: unknown }).url;
  } else {
    set(input, ['store', 'url'], env.PHOTOGATE_STORE_URL);
  }
  set(input, ['publicUrl'], o.publicUrl ?? env.PHOTOGATE_PUBLIC_URL);
  set(input, ['twoFactor', 'keyFile'], env.PHOTOGATE_TWO_FACTOR_KEY_FILE);
  set(input, ['oidc', 'keySecretFile'], env.PHOTOGATE_OIDC_KEY_SECRET_FILE);
  set(input, ['admin', 'password'], env.PHOTOGATE_ADMIN_PASSWORD);

  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(file ?? 'defaults', formatIssues(result.error.issues));
  const config = result.data;
  if (file !== undefined) {
    // A relative store path in a file is relative to that file, not to where we were started.
    const fromFile = (raw as { store?: { path?: unknown } }).store?.path;
    if (o.store === undefined && !env.PHOTOGATE_STORE && typeof fromFile === 'string') {
      config.store.path = resolve(resolve(file, '..'), fromFile);
    }
    const keyFile = (raw as { twoFactor?: { keyFile?: unknown } }).twoFactor?.keyFile;
    if (typeof keyFile === 'string' && !env.PHOTOGATE_TWO_FACTOR_KEY_FILE) config.twoFactor.keyFile = resolve(resolve(file, '..'), keyFile);
    const keySecretFile = (raw as { oidc?: { keySecretFile?: unknown } }).oidc?.keySecretFile;
    if (typeof keySecretFile === 'string' && !env.PHOTOGATE_OIDC_KEY_SECRET_FILE) config.oidc.keySecretFile = resolve(resolve(file, '..'), keySecretFile);
  }
  return { config: deepFreeze(config), file };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
