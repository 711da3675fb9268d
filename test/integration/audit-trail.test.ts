/**
 * The audit trail (issue 16 point 2), greped from a full run: CLI changes and a real
 * `photogate start` process writing to one `log.auditFile`, driven through sign-ins, token
 * issuance and refusal, refresh-token reuse, revocations, rejected credentials, a lockout and a
 * refused path. Every kind defined appears, every line is named photogate.audit, says who, from
 * where and the outcome, and no secret used in the run appears anywhere in the file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { type AuditEventKind, auditEventKinds } from '../../src/audit/audit.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { runCli, runCliJson } from '../helpers/run-cli.js';
import { within } from '../helpers/within.js';

/** Kinds this run does not produce (two-factor is audited by test/integration/two-factor.test.ts). */
const emittedElsewhere = new Set<AuditEventKind>(['two_factor_changed']);
const REDIRECT = 'http://127.0.0.1:9/cb';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

t.test('a full run writes every kind of audit event, and no secret', async (t) => {
  const upstream = await startEchoUpstream(t);
  const dir = t.testdir();
  const auditFile = join(dir, 'audit.log');
  const config = join(dir, 'photogate.yaml');
  writeFileSync(config, `store:\n  path: ./store.json\noauth:\n  refreshGraceSeconds: 0\nrateLimits:\n  addressFailureBurst: 3\nlog:\n  auditFile: ${auditFile}\n`);
  const secrets: string[] = ['alice-first-password', 'alice-password', 'wrong-password-1'];
  const cli = async (...args: string[]) => {
    const result = await runCliJson<Record<string, string>>([...args, '--config', config], { cwd: dir });
    t.equal(result.code, 0, `${args.slice(0, 2).join(' ')}: ${result.stderr}`);
    return result.json!;
  };

  await cli('users', 'add', 'alice', '--password', 'alice-first-password');
  await cli('users', 'mod', 'alice', '--role', 'admin');
  await cli('users', 'passwd', 'alice', '--password', 'alice-password');
  const appPassword = await cli('auth', 'add', 'alice', '-n', 'phone', '-s', 'photos');
  const service = await cli('clients', 'add', '-n', 'svc', '-s', 'photos');
  const app = await cli('clients', 'add', 'alice', '-n', 'app', '-s', 'photos', '--redirect-uri', REDIRECT, '--public');
  const regenerated = await cli('clients', 'mod', service.client_id!, '--regenerate');
  secrets.push(appPassword.token!, service.client_secret!, regenerated.client_secret!);

  const gateway = await startGatewayProcess(t, ['--config', config, '--upstream', upstream.url], { PHOTOGATE_ADMIN_PASSWORD: 'admin-password-x' });
  secrets.push('admin-password-x');
  const url = (path: string) => `${gateway.url}${path}`;

  // Session API: sign in, token issued, signed out (revoked).
  const session = await fetch(url('/api/v1/session'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-password' }) });
  t.equal(session.status, 200);
  const sessionToken = ((await session.json()) as { access_token: string }).access_token;
  secrets.push(sessionToken);
  t.equal((await fetch(url('/api/v1/session'), { method: 'DELETE', headers: { 'x-auth-token': sessionToken } })).status, 200);

  // Code flow (login page), refresh, and a reused refresh token.
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = `${url('/api/v1/oauth/authorize')}?${new URLSearchParams({ client_id: app.client_id!, redirect_uri: REDIRECT, response_type: 'code', scope: 'photos', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })}`;
  const page = await getFormPage(authorize);
  const allowed = await postForm(url('/api/v1/oauth/authorize'), page, { username: 'alice', password: 'alice-password', decision: 'allow' });
  const code = new URL(allowed.headers.get('location')!).searchParams.get('code')!;
  const redeem = form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id!, code_verifier: verifier });
  const first = (await (await fetch(url('/api/v1/oauth/token'), redeem)).json()) as { access_token: string; refresh_token: string };
  const refresh = (token: string) => fetch(url('/api/v1/oauth/token'), form({ grant_type: 'refresh_token', refresh_token: token, client_id: app.client_id! }));
  const second = (await (await refresh(first.refresh_token)).json()) as { access_token: string; refresh_token: string };
  secrets.push(code, verifier, first.access_token, first.refresh_token, second.access_token, second.refresh_token);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  t.equal((await refresh(first.refresh_token)).status, 400, 'reuse after rotation is refused');

  // Client credentials: issued, revoked by the client; a wrong secret refused.
  const clientAuth = { authorization: basic(service.client_id!, regenerated.client_secret!) };
  const issued = await fetch(url('/api/v1/oauth/token'), { ...form({ grant_type: 'client_credentials' }), headers: { ...form({}).headers, ...clientAuth } });
  const clientToken = ((await issued.json()) as { access_token: string }).access_token;
  secrets.push(clientToken);
  t.equal((await fetch(url('/api/v1/oauth/revoke'), { ...form({ token: clientToken }), headers: { ...form({}).headers, ...clientAuth } })).status, 200);
  const wrongSecret = await fetch(url('/api/v1/oauth/token'), { ...form({ grant_type: 'client_credentials' }), headers: { ...form({}).headers, authorization: basic(service.client_id!, 'not-the-secret') } });
  t.equal(wrongSecret.status, 401);

  // A refused path, a rejected token, failed passwords until the address is locked out.
  t.equal((await fetch(url('/api/v1/photos/a%2Fb'))).status, 400);
  t.equal((await fetch(url('/api/v1/photos'), { headers: { authorization: 'Bearer not-a-token' } })).status, 401);
  const failedSignIn = await fetch(url('/api/v1/session'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'wrong-password-1' }) });
  t.equal(failedSignIn.status, 401);
  // The wrong client secret and the failed sign-in took from the same address budget (3).
  const statuses: number[] = [];
  for (let i = 0; i < 5 && statuses.at(-1) !== 429; i++) {
    statuses.push((await fetch(url('/api/v1/photos'), { headers: { authorization: basic('alice', `wrong-${i}`) } })).status);
  }
  t.same(statuses, [401, 429], 'one more failure, then locked out');

  // CLI revocations and removals while it runs.
  t.equal((await runCli(['auth', 'rm', appPassword.id!, '--yes', '--config', config], { cwd: dir })).code, 0);
  t.equal((await runCli(['clients', 'rm', service.client_id!, '--yes', '--config', config], { cwd: dir })).code, 0);

  const lines = () => readFileSync(auditFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  await within(5000, () => lines().some((e) => e.event === 'lockout'), 50);
  const events = lines();
  const kinds = new Set(events.map((e) => e.event));
  for (const kind of auditEventKinds) {
    if (emittedElsewhere.has(kind)) continue;
    t.ok(kinds.has(kind), `the run wrote a ${kind} event`);
  }
  for (const event of events) {
    t.equal(event.name, 'photogate.audit', `${event.event}: own logger name`);
    t.ok(event.outcome === 'success' || event.outcome === 'failure', `${event.event}: outcome`);
    t.ok(typeof event.address === 'string' && event.address !== '', `${event.event}: from where`);
  }
  const find = (kind: string, outcome?: string) => events.find((e) => e.event === kind && (outcome === undefined || e.outcome === outcome));
  t.match(find('sign_in', 'success'), { username: 'alice', address: '127.0.0.1' });
  t.match(find('sign_in', 'failure'), { username: 'alice', reason: 'wrong username or password' });
  t.match(find('refresh_token_reuse'), { username: 'alice', client_id: app.client_id, credential: /^\S+$/ });
  t.match(find('lockout'), { username: 'alice', address: '127.0.0.1' });
  t.match(find('user_changed'), { username: 'alice', action: 'added', address: 'cli', actor: /^cli:/ });
  t.match(find('token_revoked'), { credential: /^\S+$/ });
  t.match(find('path_refused'), { reason: 'encoded slash or backslash' });
  t.notOk(events.some((e) => JSON.stringify(e).includes('a%2Fb')), 'a refused path is not recorded');

  const text = readFileSync(auditFile, 'utf8');
  for (const secret of secrets) t.notOk(text.includes(secret), 'no secret in the audit file');
  t.notOk(gateway.stderr().includes('photogate.audit'), 'with auditFile, audit lines do not go to stderr');
});

t.test('every kind is documented in docs/audit.md', async (t) => {
  const doc = readFileSync(new URL('../../docs/audit.md', import.meta.url), 'utf8');
  for (const kind of auditEventKinds) t.match(doc, `| \`${kind}\` |`, kind);
});
