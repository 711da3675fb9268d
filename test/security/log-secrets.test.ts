/**
 * Issue 5 point 7: the logs never hold a password, app password, token, client secret,
 * authorization code, refresh token or device code, in debug mode and on errors too. A real
 * `photogate start` (debug level) is driven with every kind of secret, right and wrong, in
 * headers, bodies and query strings, through the OAuth grants (code with PKCE, refresh, device)
 * and their error paths (bad, replayed and expired-by-use codes, bad refresh tokens, wrong client
 * secrets in Basic and in the form body) and through an upstream failure (502); its whole stdout
 * and stderr must then contain none of them, nor their Basic or URL encodings. Credentials come
 * from the real CLI against the same store file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { runCliJson } from '../helpers/run-cli.js';

const secretOf = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** Answers 200 with what it got, except `/api/v1/photos/broken`, where it drops the connection (502). */
async function startUpstream(t: Test): Promise<{ url: string; seen: number }> {
  const state = { url: '', seen: 0 };
  const server = createServer((req, res) => {
    state.seen += 1;
    if (req.url?.startsWith('/api/v1/photos/broken')) {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A `photogate start` at debug level in front of `startUpstream`, its admin password, and the CLI on its store. */
async function startDebugGateway(t: Test) {
  const dir = t.testdir();
  const store = join(dir, 'store.json');
  const upstream = await startUpstream(t);
  const config = join(dir, 'photogate.yaml');
  writeFileSync(config, `upstream:\n  url: ${upstream.url}\nstore:\n  path: ${store}\nlog:\n  level: debug\n  requests: true\n`);
  const adminPassword = secretOf('admin-pw');
  const gw = await startGatewayProcess(t, ['--config', config], { PHOTOGATE_ADMIN_PASSWORD: adminPassword });
  const cli = async <T>(args: string[]) => {
    const result = await runCliJson<T>([...args, '--config', config]);
    t.equal(result.code, 0, `photogate ${args.slice(0, 2).join(' ')}: ${result.stderr}`);
    return result.json as T;
  };
  /** Stops the gateway; resolves to everything it printed. */
  const logs = async () => {
    gw.child.kill('SIGTERM');
    await new Promise((r) => (gw.child.exitCode === null ? gw.child.once('exit', r) : r(null)));
    return gw.stdout() + gw.stderr();
  };
  return { gw, upstream, adminPassword, cli, logs };
}

/** Waits until a user the CLI just added can sign in at the gateway (its store reload interval). */
async function waitForUser(url: string, username: string, password: string): Promise<void> {
  for (let i = 0; (await fetch(`${url}/api/v1/photos`, { headers: { authorization: basic(username, password) } })).status !== 200; i++) {
    if (i > 50) throw new Error('the CLI user never reached the gateway');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Each secret, as sent and in the encodings a request could carry it in, is absent from the logs. */
function assertNoSecrets(t: Test, logs: string, secrets: Record<string, string>, usernames: readonly string[]): void {
  for (const [name, secret] of Object.entries(secrets)) {
    const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), ...usernames.map((u) => basic(u, secret).slice(6))];
    t.notOk(forms.some((f) => logs.includes(f)), `${name} is not in the logs`);
  }
}

t.test('no secret reaches the logs, in debug mode and on errors', async (t) => {
  const { gw, upstream, adminPassword, cli, logs: stopAndReadLogs } = await startDebugGateway(t);
  const bobPassword = secretOf('bob-pw');
  await cli(['users', 'add', 'bob', '--password', bobPassword]);
  const app = await cli<{ token: string }>(['auth', 'add', 'bob', '-n', 'phone', '-s', '*']);
  const token = await cli<{ token: string }>(['auth', 'add', '-n', 'script', '-s', '*']);
  const client = await cli<{ client_id: string; client_secret: string }>(['clients', 'add', '-n', 'backup', '-s', 'photos']);
  const wrong = { password: secretOf('wrong-pw'), app: secretOf('wrong-app'), token: secretOf('wrong-token'), client: secretOf('wrong-client') };
  const query = { public: secretOf('query-public'), protected: secretOf('query-protected') };
  const secrets: Record<string, string> = {
    adminPassword, bobPassword, app: app.token, token: token.token, clientSecret: client.client_secret,
    ...Object.fromEntries(Object.entries(wrong).map(([k, v]) => [`wrong ${k}`, v])),
    ...Object.fromEntries(Object.entries(query).map(([k, v]) => [`query ${k}`, v])),
  };

  const call = async (path: string, init: RequestInit = {}) => (await fetch(`${gw.url}${path}`, init)).status;
  const withHeaders = (headers: Record<string, string>) => ({ headers });
  await waitForUser(gw.url, 'bob', bobPassword);

  const statuses: [string, number, number][] = [];
  const expect = async (name: string, status: number, path: string, init?: RequestInit) => statuses.push([name, status, await call(path, init)]);
  await expect('admin password, Basic', 200, '/api/v1/photos', withHeaders({ authorization: basic('admin', adminPassword) }));
  await expect('wrong password, Basic', 401, '/api/v1/photos', withHeaders({ authorization: basic('bob', wrong.password) }));
  await expect('app password, Basic', 200, '/api/v1/photos', withHeaders({ authorization: basic('bob', app.token) }));
  await expect('app password, Bearer', 200, '/api/v1/photos', withHeaders({ authorization: `Bearer ${app.token}` }));
  await expect('wrong app password, Basic', 401, '/api/v1/photos', withHeaders({ authorization: basic('bob', wrong.app) }));
  await expect('access token, Bearer', 200, '/api/v1/photos', withHeaders({ authorization: `Bearer ${token.token}` }));
  await expect('access token, X-Auth-Token', 200, '/api/v1/photos', withHeaders({ 'x-auth-token': token.token }));
  await expect('wrong token, X-Session-ID', 401, '/api/v1/photos', withHeaders({ 'x-session-id': wrong.token }));

  const grant = async (init: RequestInit) => {
    const res = await fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', ...init });
    const json = (await res.json()) as { access_token?: string };
    if (json.access_token) secrets[`issued token ${Object.keys(secrets).filter((k) => k.startsWith('issued')).length + 1}`] = json.access_token;
    return res.status;
  };
  statuses.push(['client_credentials, Basic', 200, await grant({ headers: { ...form, authorization: basic(client.client_id, client.client_secret) }, body: 'grant_type=client_credentials' })]);
  statuses.push(['client_credentials, post', 200, await grant({ headers: form, body: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${client.client_secret}` })]);
  statuses.push(['wrong client secret', 401, await grant({ headers: { ...form, authorization: basic(client.client_id, wrong.client) }, body: 'grant_type=client_credentials' })]);
  statuses.push(['wrong client secret, post', 401, await grant({ headers: form, body: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${wrong.client}` })]);
  const issued = Object.entries(secrets).filter(([k]) => k.startsWith('issued')).map(([, v]) => v);
  await expect('issued token, Bearer', 200, '/api/v1/photos', withHeaders({ authorization: `Bearer ${issued[0]}` }));

  const session = async (body: unknown) => {
    const res = await fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { access_token?: string };
    if (json.access_token) secrets.session = json.access_token;
    return res.status;
  };
  statuses.push(['session login', 200, await session({ username: 'bob', password: bobPassword })]);
  statuses.push(['session login, wrong password', 401, await session({ username: 'bob', password: wrong.password })]);
  await expect('session token, X-Session-ID', 200, '/api/v1/photos', withHeaders({ 'x-session-id': secrets.session! }));
  await expect('session end', 200, '/api/v1/session', { method: 'DELETE', headers: { 'x-auth-token': secrets.session! } });

  await expect('secret in the query, public route', 200, `/api/v1/t/abc/${query.public}/tile_224?t=${query.public}`);
  await expect('secret in the query, protected route', 200, `/api/v1/photos?t=${query.protected}`, withHeaders({ authorization: `Bearer ${token.token}` }));
  await expect('secret in the query, refused', 401, `/api/v1/photos?t=${query.protected}&password=${wrong.password}`);
  await expect('upstream failure', 502, `/api/v1/photos/broken?t=${query.protected}`, withHeaders({ authorization: basic('bob', bobPassword) }));
  await expect('upstream failure, token', 502, `/api/v1/photos/broken`, withHeaders({ 'x-auth-token': token.token }));
  for (const [name, want, got] of statuses) t.equal(got, want, name);

  const logs = await stopAndReadLogs();
  t.match(logs, /"level":20/, 'debug lines were logged');
  t.ok(logs.split('\n').filter((l) => l.includes('"msg":"request"')).length >= statuses.length, 'every request was logged');
  t.match(logs, /"msg":"request failed"/, 'the upstream failure was logged');
  t.ok(upstream.seen > 0, 'requests reached the upstream');
  assertNoSecrets(t, logs, secrets, ['bob', 'admin', client.client_id]);
});

t.test('OAuth grants: codes, verifiers, refresh tokens, device and user codes, client secrets stay out of the logs', async (t) => {
  const { gw, cli, logs: stopAndReadLogs } = await startDebugGateway(t);
  const bobPassword = secretOf('bob-pw');
  await cli(['users', 'add', 'bob', '--password', bobPassword]);
  const redirect = 'http://127.0.0.1:9/callback';
  const pub = await cli<{ client_id: string }>(['clients', 'add', '-n', 'phone app', '-s', 'photos', '--public', '--redirect-uri', redirect]);
  const web = await cli<{ client_id: string; client_secret: string }>(['clients', 'add', '-n', 'web app', '-s', 'photos', '--redirect-uri', redirect]);
  await waitForUser(gw.url, 'bob', bobPassword);

  const secrets: Record<string, string> = { bobPassword, 'client secret': web.client_secret };
  const keep = (name: string, value: string | undefined | null) => {
    if (value) secrets[name] = value;
    return value ?? '';
  };
  const counts = new Map<string, number>();
  /** Keeps one more secret of a kind: `refresh token 1`, `refresh token 2`, ... */
  const keepNext = (kind: string, value: string | undefined | null) => {
    if (!value) return '';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return keep(`${kind} ${counts.get(kind)}`, value);
  };
  const wrong = {
    password: keep('wrong password', secretOf('wrong-pw')),
    code: keep('made-up code', secretOf('made-up-code')),
    refresh: keep('made-up refresh token', secretOf('made-up-refresh')),
    clientSecret: keep('wrong client secret', secretOf('wrong-client')),
    deviceCode: keep('made-up device code', secretOf('made-up-device')),
    userCode: keep('made-up user code', 'QWRT-ZXCV'),
  };
  const statuses: [string, number, number][] = [];
  const expect = (name: string, want: number, got: number) => statuses.push([name, want, got]);

  /** Signs bob in on the authorize page; resolves to the code in the redirect, if any. */
  const authorize = async (clientId: string, password: string) => {
    const verifier = keepNext('PKCE verifier', `${secretOf('verifier')}${randomBytes(24).toString('base64url')}`);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({ client_id: clientId, redirect_uri: redirect, response_type: 'code', scope: 'photos', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    const page = await getFormPage(`${gw.url}/api/v1/oauth/authorize?${query}`);
    const res = await postForm(`${gw.url}/api/v1/oauth/authorize`, page, { username: 'bob', password, decision: 'allow' });
    const location = res.headers.get('location');
    const code = location ? new URL(location).searchParams.get('code') : null;
    return { status: res.status, verifier, code: keepNext('authorization code', code) };
  };
  const token = async (body: Record<string, string>, authorization?: string) => {
    const res = await fetch(`${gw.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { ...form, ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams(body).toString(),
    });
    const json = (await res.json()) as { access_token?: string; refresh_token?: string };
    keepNext('access token', json.access_token);
    return { status: res.status, refresh: keepNext('refresh token', json.refresh_token) };
  };
  const webBasic = basic(web.client_id, web.client_secret);

  // Authorization code with PKCE, public client.
  const failed = await authorize(pub.client_id, wrong.password);
  expect('authorize page, wrong password', 401, failed.status);
  const first = await authorize(pub.client_id, bobPassword);
  expect('authorize page, signed in: 303 to the client', 303, first.status);
  const codeGrant = { grant_type: 'authorization_code', redirect_uri: redirect, client_id: pub.client_id };
  const redeemed = await token({ ...codeGrant, code: first.code, code_verifier: first.verifier });
  expect('code redeemed', 200, redeemed.status);
  expect('code replayed', 400, (await token({ ...codeGrant, code: first.code, code_verifier: first.verifier })).status);
  expect('made-up code', 400, (await token({ ...codeGrant, code: wrong.code, code_verifier: first.verifier })).status);
  const second = await authorize(pub.client_id, bobPassword);
  expect('code with a wrong verifier', 400, (await token({ ...codeGrant, code: second.code, code_verifier: wrong.code + wrong.code })).status);
  expect('refresh token of a replayed code family', 400, (await token({ grant_type: 'refresh_token', client_id: pub.client_id, refresh_token: redeemed.refresh })).status);

  // Confidential client: its secret in Basic and in the form body, right and wrong.
  const third = await authorize(web.client_id, bobPassword);
  const webTokens = await token({ grant_type: 'authorization_code', redirect_uri: redirect, code: third.code, code_verifier: third.verifier }, webBasic);
  expect('code redeemed, client secret in Basic', 200, webTokens.status);
  const rotated = await token({ grant_type: 'refresh_token', refresh_token: webTokens.refresh }, webBasic);
  expect('refresh, client secret in Basic', 200, rotated.status);
  const rotatedAgain = await token({ grant_type: 'refresh_token', refresh_token: rotated.refresh, client_id: web.client_id, client_secret: web.client_secret });
  expect('refresh, client secret in the body', 200, rotatedAgain.status);
  expect('made-up refresh token', 400, (await token({ grant_type: 'refresh_token', refresh_token: wrong.refresh }, webBasic)).status);
  expect('refresh, wrong client secret in Basic', 401, (await token({ grant_type: 'refresh_token', refresh_token: rotatedAgain.refresh }, basic(web.client_id, wrong.clientSecret))).status);
  expect('refresh, wrong client secret in the body', 401, (await token({ grant_type: 'refresh_token', refresh_token: rotatedAgain.refresh, client_id: web.client_id, client_secret: wrong.clientSecret })).status);
  const fourth = await authorize(web.client_id, bobPassword);
  expect('code, wrong client secret', 401, (await token({ grant_type: 'authorization_code', redirect_uri: redirect, code: fourth.code, code_verifier: fourth.verifier }, basic(web.client_id, wrong.clientSecret))).status);
  const revoke = await fetch(`${gw.url}/api/v1/oauth/revoke`, { method: 'POST', headers: { ...form, authorization: webBasic }, body: `token=${rotatedAgain.refresh}` });
  expect('refresh token revoked', 200, revoke.status);
  expect('revoked refresh token', 400, (await token({ grant_type: 'refresh_token', refresh_token: rotatedAgain.refresh }, webBasic)).status);

  // Device flow: device code and user code, right and wrong.
  const deviceRes = await fetch(`${gw.url}/api/v1/oauth/device`, { method: 'POST', headers: form, body: `client_id=${pub.client_id}&scope=photos` });
  const device = (await deviceRes.json()) as { device_code: string; user_code: string };
  expect('device authorization', 200, deviceRes.status);
  keep('device code', device.device_code);
  keep('user code', device.user_code);
  keep('user code without its dash', device.user_code.replace('-', ''));
  const deviceGrant = { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: pub.client_id };
  expect('device code, pending', 400, (await token({ ...deviceGrant, device_code: device.device_code })).status);
  const devicePage = await getFormPage(`${gw.url}/device?user_code=${device.user_code}`);
  expect('device page, made-up user code', 400, (await postForm(`${gw.url}/device`, devicePage, { user_code: wrong.userCode, username: 'bob', password: bobPassword, decision: 'allow' })).status);
  expect('device page, wrong password', 401, (await postForm(`${gw.url}/device`, devicePage, { user_code: device.user_code, username: 'bob', password: wrong.password, decision: 'allow' })).status);
  expect('device page, approved', 200, (await postForm(`${gw.url}/device`, devicePage, { user_code: device.user_code, username: 'bob', password: bobPassword, decision: 'allow' })).status);
  expect('device code redeemed', 200, (await token({ ...deviceGrant, device_code: device.device_code })).status);
  expect('device code replayed', 400, (await token({ ...deviceGrant, device_code: device.device_code })).status);
  expect('made-up device code', 400, (await token({ ...deviceGrant, device_code: wrong.deviceCode })).status);

  for (const [name, want, got] of statuses) t.equal(got, want, name);
  const logs = await stopAndReadLogs();
  t.match(logs, /"level":20/, 'debug lines were logged');
  t.ok(logs.split('\n').filter((l) => l.includes('"msg":"request refused"')).length >= 10, 'the refusals were logged');
  t.ok(Object.keys(secrets).length >= 25, `${Object.keys(secrets).length} secrets sent`);
  assertNoSecrets(t, logs, secrets, ['bob', pub.client_id, web.client_id]);
});
