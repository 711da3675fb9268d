/**
 * Who photogate is at the upstream: PhotoPrism's own `GET /api/v1/session`, asked with the
 * upstream credential (`upstream.headers`), for the parts of the session answer its web UI needs
 * (photoprism-web-ui.md §4 B): the upstream `user` (its `UID`/`ID` go into upload and
 * `users/<UID>/…` paths) and the client `config` (ACL, settings, preview and download tokens).
 *
 * - Cached for `ttlMs` (one upstream call per minute, not per page load), a failure too (logged
 *   once a minute, not on every sign-in); a failure yields undefined: the session answer then
 *   goes without these parts.
 * - Only with the built-in (PhotoPrism) rules: another upstream is never asked (`enabled`).
 * - The upstream's answer echoes the upstream credential (`id`, `access_token`, `session_id`):
 *   only `user` and `config` are kept, and any string holding a configured upstream header value
 *   is dropped from them, so the credential never reaches anything photogate returns (pinned by
 *   test/integration/photoprism-web-ui.test.ts).
 */
import { request } from 'undici';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

export interface UpstreamIdentity {
  /** The upstream user, scrubbed; has at least a string `UID`. */
  user: Readonly<Record<string, unknown>>;
  config: unknown;
}

export interface UpstreamIdentityDeps {
  url: string;
  headers: Readonly<Record<string, string>>;
  clock: Clock;
  logger: Logger;
  ttlMs?: number;
  timeoutMs?: number;
  enabled?: boolean;
}

export interface UpstreamIdentitySource {
  get(): Promise<UpstreamIdentity | undefined>;
}

/** The secret parts of the configured header values: `Basic xyz` → `xyz` and the whole value. */
function secretsOf(headers: Readonly<Record<string, string>>): string[] {
  return Object.values(headers).flatMap((value) => [value, ...value.split(/\s+/).slice(1)]).filter((v) => v.length >= 8);
}

function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return secrets.some((s) => value.includes(s)) ? undefined : value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets)).filter((v) => v !== undefined);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = scrub(v, secrets);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function createUpstreamIdentity(deps: UpstreamIdentityDeps): UpstreamIdentitySource {
  const ttlMs = deps.ttlMs ?? 60_000;
  const secrets = secretsOf(deps.headers);
  const url = `${deps.url.replace(/\/+$/, '')}/api/v1/session`;
  let cached: { identity: UpstreamIdentity | undefined; until: number } | undefined;
  let pending: Promise<UpstreamIdentity | undefined> | undefined;

  function remember(identity: UpstreamIdentity | undefined): UpstreamIdentity | undefined {
    cached = { identity, until: deps.clock.nowMs() + ttlMs };
    return identity;
  }

  async function load(): Promise<UpstreamIdentity | undefined> {
    const timeoutMs = deps.timeoutMs ?? 5000;
    try {
      const res = await request(url, { method: 'GET', headers: { ...deps.headers, accept: 'application/json' }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      if (res.statusCode !== 200) {
        await res.body.dump();
        deps.logger.warn({ status: res.statusCode }, 'the upstream refused GET /api/v1/session with the upstream credential');
        return remember(undefined);
      }
      const body: unknown = await res.body.json();
      if (!isRecord(body) || !isRecord(body.user) || typeof body.user.UID !== 'string') {
        deps.logger.warn('the upstream session answer has no user UID: is the upstream credential an app password of a registered user?');
        return remember(undefined);
      }
      return remember({ user: scrub(body.user, secrets) as Record<string, unknown>, config: scrub(body.config, secrets) });
    } catch (error) {
      deps.logger.warn({ err: error }, 'the upstream session could not be read');
      return remember(undefined);
    }
  }

  return {
    get() {
      if (deps.enabled === false) return Promise.resolve(undefined);
      if (cached !== undefined && deps.clock.nowMs() < cached.until) return Promise.resolve(cached.identity);
      pending ??= load().finally(() => (pending = undefined));
      return pending;
    },
  };
}
