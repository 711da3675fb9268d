/**
 * Starts a real gateway (real HTTP server on port 0, real file store in a temp dir) in front of
 * a given upstream, and offers helpers that put users, clients and credentials in its store the
 * way the CLI does, returning the secrets. Argon2 runs at a low cost here only.
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import { type Clock, nowSeconds, systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { createPasswordHasher, type PasswordHasher } from '../../src/credentials/password-hash.js';
import { issueCredential } from '../../src/credentials/issue-credential.js';
import { digestSecret, generateClientId, generateClientSecret } from '../../src/credentials/secrets.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import type { Audit } from '../../src/audit/audit.js';
import { openFileStore } from '../../src/store/file-store.js';
import type { ClientRecord, TokenRecord, UserRole } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';

export const testHasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

/** The test hasher, counting its verifications: how tests see argon2 run once, or not at all. */
export function countingHasher(): PasswordHasher & { verifications: number } {
  const counter = {
    verifications: 0,
    hash: (password: string) => testHasher.hash(password),
    verify: async (hash: string, password: string) => {
      counter.verifications++;
      return testHasher.verify(hash, password);
    },
  };
  return counter;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends readonly unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export interface TestGateway extends RunningServer {
  store: Store;
  storePath: string;
  config: Config;
  addUser(username: string, password: string, options?: { role?: UserRole; webdav?: boolean }): Promise<void>;
  addAppPassword(username: string, scope: string, options?: { ttlSeconds?: number | null; name?: string }): Promise<{ secret: string; record: TokenRecord }>;
  addAccessToken(scope: string, options?: { username?: string | null; ttlSeconds?: number | null }): Promise<{ secret: string; record: TokenRecord }>;
  addClient(options?: Partial<ClientRecord>): Promise<{ clientId: string; secret: string; record: ClientRecord }>;
}

export async function startTestGateway(
  t: Test,
  options: { upstream: string; config?: DeepPartial<Config>; clock?: Clock; dir?: string; hasher?: PasswordHasher; logger?: Logger; audit?: Audit },
): Promise<TestGateway> {
  // Registered before the test directory is made, so tap runs it while the directory is still
  // there: closing writes the credentials' last uses to the store (token-usage.ts).
  let stop: () => Promise<void> = async () => undefined;
  t.teardown(() => stop());
  const dir = options.dir ?? t.testdir();
  const storePath = join(dir, 'store.json');
  const clock = options.clock ?? systemClock;
  const base = loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', upstream: options.upstream, store: storePath } }).config;
  const config = merge(structuredClone(base), { log: { level: 'silent' }, ...options.config }) as Config;
  const store = await openFileStore({ path: storePath, clock, reloadIntervalMs: 100 });
  const running = await startServer(config, {
    store,
    clock,
    hasher: options.hasher ?? testHasher,
    logger: options.logger ?? createLogger(config.log.level),
    ...(options.audit === undefined ? {} : { audit: options.audit }),
  });
  stop = async () => {
    await running.close();
    await store.close();
  };

  return {
    ...running,
    store,
    storePath,
    config,
    async addUser(username, password, o = {}) {
      const now = nowSeconds(clock);
      const role = o.role ?? 'user';
      await store.addUser({ username, role, webdav: o.webdav ?? role === 'admin', passwordHash: await testHasher.hash(password), createdAt: now, updatedAt: now });
    },
    addAppPassword(username, scope, o = {}) {
      const credential = { kind: 'app_password', name: o.name ?? 'test', username, clientId: null, scope, grantType: 'cli', ttlSeconds: o.ttlSeconds ?? null } as const;
      return issueCredential(store, clock, credential);
    },
    addAccessToken(scope, o = {}) {
      const credential = { kind: 'access_token', name: 'test', username: o.username ?? null, clientId: null, scope, grantType: 'cli', ttlSeconds: o.ttlSeconds ?? null } as const;
      return issueCredential(store, clock, credential);
    },
    async addClient(o = {}) {
      const secret = generateClientSecret();
      const now = nowSeconds(clock);
      const record: ClientRecord = {
        clientId: generateClientId(), name: 'test client', role: 'client', scope: '*', secretDigest: digestSecret(secret), username: null,
        tokenTtlSeconds: 3600, tokenLimit: 10, enabled: true, redirectUris: [], createdAt: now, updatedAt: now, ...o,
      };
      await store.addClient(record);
      return { clientId: record.clientId, secret, record };
    },
  };
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)) {
      merge(current as Record<string, unknown>, value as Record<string, unknown>);
    } else if (value !== undefined) {
      target[key] = value;
    }
  }
  return target;
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Logs in through the session API; resolves to the session token. */
export async function startSession(gw: { url: string }, username: string, password: string): Promise<string> {
  const res = await fetch(`${gw.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return String(((await res.json()) as { access_token: string }).access_token);
}
