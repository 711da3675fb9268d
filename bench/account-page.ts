/**
 * Issue 14: the /account page, a path of its own, against the direct upstream and a proxied
 * request in the same run. The store is the store-scale one (100 users with app passwords, a
 * client's tokens; 100,000 tokens, 10,000 with --quick), plus the bench user's own 10 app
 * passwords, so the page's per-user listing is measured where it would hurt. wrk drives:
 *
 * - `GET /account` signed in as a user (every section of their own, 10 app passwords) and as an
 *   admin (also the Users section: every user, their app passwords counted),
 * - `GET /account` without a session (the sign-in form),
 * - `GET /account/account.js` (the page's script),
 * - a proxied request with a cached Bearer token and the direct upstream, for scale.
 *
 * Ratios are to the direct upstream (200 B answer) in the same round. Reported, not asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { createPasswordHasher } from '../src/credentials/password-hash.js';
import { DurableJsonFile } from '../src/store/durable-json-file.js';
import type { Section, SectionResult } from './bench-section.js';
import { startChild, stopChild, type StartedChild } from './child-processes.js';
import { startPhotogate } from './photogate-process.js';
import { median, round } from './stats.js';
import { storeData } from './store-scale.js';
import { runWrk, type WrkResult } from './wrk.js';

const benchScript = (name: string) => fileURLToPath(new URL(`./${name}.js`, import.meta.url));

/** The cookies of a signed-in /account session: the CSRF cookie from the form, the session from the sign-in. */
async function signIn(url: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${url}/account`);
  const csrfCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${url}/account/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ csrf_token: csrf, username, password }).toString(),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('photogate-account='));
  if (res.status !== 303 || session === undefined) throw new Error(`/account sign-in answered ${res.status}`);
  return `${csrfCookie}; ${session.split(';')[0]}`;
}

export const accountPage: Section = async ({ quick, log }): Promise<SectionResult> => {
  const plan = quick ? { rounds: 1, seconds: 1, tokens: 10_000 } : { rounds: 3, seconds: 3, tokens: 100_000 };
  const workDir = mkdtempSync(join(tmpdir(), 'photogate-bench-account-'));
  const children: StartedChild[] = [];
  try {
    const storePath = join(workDir, 'photogate-store.json');
    const nowSeconds = Math.floor(Date.now() / 1000);
    const data = storeData(plan.tokens, nowSeconds);
    // A person without the admin role, with 10 app passwords: the page most people load.
    const reader = { username: 'reader', password: 'photogate-bench-reader' };
    data.users.push({ username: reader.username, role: 'user', webdav: true, passwordHash: await createPasswordHasher().hash(reader.password), createdAt: nowSeconds, updatedAt: nowSeconds });
    for (let i = 0; i < 10; i++) {
      data.tokens.push({
        id: `reader${i}`, digest: createHash('sha256').update(`reader ${i} ${Math.random()}`).digest('hex'), kind: 'app_password', name: `device ${i}`,
        username: reader.username, clientId: null, scope: 'webdav', grantType: 'cli', createdAt: nowSeconds, expiresAt: null, familyId: null, usedAt: null,
      });
    }
    await new DurableJsonFile(storePath).write(data);
    log(`account-page: store of ${plan.tokens} tokens written; starting the upstream and photogate`);
    const upstream = await startChild('bench-upstream', process.execPath, [benchScript('bench-upstream')], { readyPattern: /listening on (\S+)/ });
    children.push(upstream);
    const gateway = await startPhotogate(upstream.url, workDir, 'photogate', storePath);
    children.push(gateway.process);
    const bearer = `Bearer ${gateway.accessToken}`;
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${gateway.url}/api/v1/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-auth-token': await sessionToken(gateway.url, gateway.username, gateway.password) },
        body: new URLSearchParams({ grant_type: 'password', username: gateway.username, password: gateway.password, client_name: `device ${i}`, scope: 'webdav' }).toString(),
      });
      if (res.status !== 200) throw new Error(`app password ${i}: ${res.status} ${await res.text()}`);
    }
    const cookie = await signIn(gateway.url, gateway.username, gateway.password);
    const readerCookie = await signIn(gateway.url, reader.username, reader.password);
    const pageBytes = async (headers: Record<string, string>) => {
      const page = await fetch(`${gateway.url}/account`, { headers });
      if (page.status !== 200) throw new Error(`signed-in /account answered ${page.status}`);
      return (await page.arrayBuffer()).byteLength;
    };

    const configurations: { id: string; url: string; headers: Record<string, string> }[] = [
      { id: 'direct upstream 200B', url: `${upstream.url}/api/v1/photos/small`, headers: {} },
      { id: 'photogate proxied 200B (Bearer, cached)', url: `${gateway.url}/api/v1/photos/small`, headers: { authorization: bearer } },
      { id: `GET /account, a user (${await pageBytes({ cookie: readerCookie })} B)`, url: `${gateway.url}/account`, headers: { cookie: readerCookie } },
      { id: `GET /account, an admin: Users (${await pageBytes({ cookie })} B)`, url: `${gateway.url}/account`, headers: { cookie } },
      { id: 'GET /account sign-in form', url: `${gateway.url}/account`, headers: {} },
      { id: 'GET /account/account.js', url: `${gateway.url}/account/account.js`, headers: {} },
    ];
    const runs = new Map<string, WrkResult[]>();
    for (let r = 0; r < plan.rounds; r++) {
      log(`account-page: round ${r + 1} of ${plan.rounds}`);
      for (const configuration of configurations) {
        const result = await runWrk({ url: configuration.url, headers: configuration.headers, connections: 8, threads: 1, durationSeconds: plan.seconds, workDir });
        runs.set(configuration.id, [...(runs.get(configuration.id) ?? []), result]);
        log(`  ${configuration.id.padEnd(44)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2)} ms${result.errors + result.non2xx > 0 ? `  ERRORS ${result.errors} non-2xx ${result.non2xx}` : ''}`);
      }
    }
    const direct = runs.get(configurations[0]!.id) ?? [];
    const rows: SectionResult['rows'] = configurations.map((configuration) => {
      const list = runs.get(configuration.id) ?? [];
      return {
        configuration: configuration.id,
        req_per_s: Math.round(median(list.map((x) => x.requestsPerSecond))),
        p50_ms: round(median(list.map((x) => x.p50Ms)), 3),
        p99_ms: round(median(list.map((x) => x.p99Ms)), 3),
        x_direct: round(median(list.map((x, i) => x.requestsPerSecond / (direct[i]?.requestsPerSecond ?? Number.NaN))), 3),
        errors: list.reduce((sum, x) => sum + x.errors + x.non2xx, 0),
        rounds: list.length,
      };
    });
    return {
      name: 'account-page',
      rows,
      targets: [],
      notes: [
        `Store: ${plan.tokens} tokens of 100 other users and a client (store-scale's), plus 10 app passwords each for the admin and for a user. wrk -t1 -c8, ${plan.rounds} round(s) of ${plan.seconds} s; medians over rounds.`,
        "The admin's page lists every user with their app passwords counted: it costs every user's tokens (50,000 app passwords at 100,000 tokens), so it is an admin's page, not one for every request.",
      ],
    };
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    rmSync(workDir, { recursive: true, force: true });
  }
};

/** A session token of the session API, which the password grant needs to mint app passwords. */
async function sessionToken(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`session API answered ${res.status}`);
  return body.access_token;
}
