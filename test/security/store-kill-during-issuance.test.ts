/**
 * Issue 5 point 6: a real `photogate start` is killed with SIGKILL while dozens of
 * client_credentials requests are in flight. Restarted on the same store it loads, and every
 * token that was answered 200 before the kill is accepted: a token is answered only once it is
 * durable. Run on a small store (each write rewrites the store file) and on one big enough that
 * writes go to the journal (src/store/store-journal.ts), where the kill may cut a line short.
 */
import { hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { DurableJsonFile } from '../../src/store/durable-json-file.js';
import { openFileStore } from '../../src/store/file-store.js';
import type { TokenRecord } from '../../src/store/records.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { basic } from '../helpers/test-gateway.js';
import { makeClient, makeToken } from '../fixtures/store/records.js';

const clientId = 'kill-test';
const clientSecret = 'kill-test-client-secret-0123456789';
const concurrency = 32;
const answeredBeforeKill = 150;

const cases = [
  { name: 'a small store, rewritten per write', fillerTokens: 0, journal: false },
  { name: 'a store of 2,000 tokens, written through its journal', fillerTokens: 2_000, journal: true },
];

for (const { name, fillerTokens, journal } of cases) {
  t.test(`kill -9 during concurrent token issuance loses no answered token: ${name}`, async (t) => {
    const upstream = await startEchoUpstream(t);
    const store = join(t.testdir(), 'store.json');
    const filler: TokenRecord[] = Array.from({ length: fillerTokens }, (_, i) =>
      makeToken(`filler${i}`, { expiresAt: null }),
    );
    await new DurableJsonFile(store).write({
      version: 1,
      users: [],
      clients: [makeClient(clientId, { scope: 'metrics', secretDigest: hash('sha256', clientSecret), tokenLimit: -1 })],
      tokens: filler,
      grants: [],
    });
    const args = ['--store', store, '--upstream', upstream.url];
    const env = { PHOTOGATE_ADMIN_PASSWORD: 'kill-test-admin-password' };
    const first = await startGatewayProcess(t, args, env);

    const answered: string[] = [];
    let failed = 0;
    let killed = false;
    const issue = async () => {
      const res = await fetch(`${first.url}/api/v1/oauth/token`, {
        method: 'POST',
        headers: { authorization: basic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      const body = (await res.json()) as { access_token?: string };
      if (res.status === 200 && body.access_token) answered.push(body.access_token);
      else failed++;
    };
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    const loops = Array.from({ length: concurrency }, async () => {
      while (!killed) await issue().catch(() => undefined); // refused or reset once killed
    });
    const started = performance.now();
    while (answered.length < answeredBeforeKill && performance.now() - started < 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    await exited;
    killed = true;
    await Promise.all(loops);
    t.ok(answered.length >= answeredBeforeKill, `${answered.length} tokens answered 200 before the kill`);
    t.equal(failed, 0, 'no request got an error answer before the kill');
    if (journal) t.ok((await stat(`${store}.journal`)).size > 0, 'the writes went to the journal');

    const second = await startGatewayProcess(t, args, env);
    const refused: string[] = [];
    for (const token of answered) {
      const res = await fetch(`${second.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) refused.push(`${res.status} ${token.slice(0, 6)}…`);
    }
    t.same(refused, [], `every one of the ${answered.length} answered tokens works after the restart`);

    const reopened = await openFileStore({ path: store, clock: systemClock, watch: false });
    t.teardown(() => reopened.close());
    const missing = [];
    for (const token of answered) if (!(await reopened.findTokenByDigest(hash('sha256', token)))) missing.push(token);
    t.same(missing, [], 'and each is in the store as read from disk');
    t.ok((await reopened.listTokens()).length >= fillerTokens + answered.length, 'nothing else was lost');
  });
}
